import { resolve } from 'node:path';
import { DEFAULT_MODELS, type ModelRegistry } from './compiler/models.ts';
import { DEFAULT_PRICES, type Price, type PriceTable } from './agents/prices.ts';
import type { GraphQLLimits } from './server/graphql-limits.ts';

/** The one parsed view of process.env. Nothing else in Baton reads process.env. */
export interface Env {
  /** Postgres to use; unset → the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Redis for event fan-out across processes; unset → in-process pub/sub. */
  redisUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  port: number;
  /** Base of links Baton hands out (share links); defaults to http://localhost:<port>. */
  publicUrl: string;
  dataDir: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Model aliases → model ids: the defaults, with BATON_MODELS (a JSON object) on top. */
  models: ModelRegistry;
  /** GraphQL operations (REST requests, HTTP, SSE and WebSocket operations) per minute per tenant, or per address when anonymous; 0 = unlimited. */
  rateLimit: number;
  /** Failed authentications per minute per client address before its requests are refused. */
  authFailureLimit: number;
  /** Deliveries per minute to one inbound webhook (BATON_WEBHOOK_RATE_LIMIT); 0 = unlimited. */
  webhookRateLimit: number;
  /** How often pg-boss's scheduler looks for cron schedules due (BATON_SCHEDULE_CHECK_SECONDS, 1–45). */
  scheduleCheckSeconds: number;
  /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For hop. */
  trustProxy: boolean;
  /** Origins (scheme://host[:port]) whose browser pages may call the API; none but the same origin by default. */
  corsOrigins: string[];
  /** Prices for step cost estimates: the defaults, with BATON_PRICES on top. */
  prices: PriceTable;
  /** What one GraphQL operation may ask for (BATON_GRAPHQL_MAX_*). */
  graphqlLimits: GraphQLLimits;
  /** The key tool servers' secrets are encrypted with (32 bytes); unset → generated into `dataDir` on first start. */
  secretKey: Buffer | undefined;
  /** Whether tool servers may be commands run on this host (stdio), for self-hosted deployments. */
  allowStdioTools: boolean;
  /** How long one tool call may take before the model is told it timed out. */
  toolTimeoutMs: number;
  /** Longest tool result (characters) given to the model and kept; longer ones are cut with a note. */
  toolResultLimit: number;
  /** How long an MCP tool call waits for an execution before answering with its id and status (seconds). */
  mcpWaitSeconds: number;
  /** Whether webhook endpoints may be loopback, private or link-local addresses (BATON_ALLOW_PRIVATE_WEBHOOKS; tests, trusted networks). */
  allowPrivateWebhooks: boolean;
  /** How long one notification POST may take before it counts as a failed attempt (BATON_NOTIFICATION_TIMEOUT_MS). */
  notificationTimeoutMs: number;
  /** The first retry's delay in seconds; each later one about doubles (BATON_NOTIFICATION_RETRY_DELAY_SECONDS). */
  notificationRetryDelaySeconds: number;
  /** Retries after the first attempt (BATON_NOTIFICATION_RETRIES); with the default delay they span about a day. */
  notificationRetries: number;
  /** Where and how spans are exported (OTLP over HTTP); unset → no tracing, and the OpenTelemetry SDK is never loaded. */
  tracing: TracingSettings | undefined;
  /** Whether this process keeps Prometheus metrics and serves `/metrics` (BATON_METRICS, on by default). */
  metrics: boolean;
  /** Serve `/metrics` on this port instead of the API's (BATON_METRICS_PORT): any role, worker-only processes included. */
  metricsPort: number | undefined;
}

/** The OpenTelemetry exporter's settings, from the standard OTEL_* variables. */
export interface TracingSettings {
  /** The traces endpoint: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT with `/v1/traces` appended. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Sent with every export (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS on top): a collector's credentials. */
  headers: Record<string, string>;
  /** `service.name` (OTEL_SERVICE_NAME, `baton` by default), and the other resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  serviceName: string;
  resourceAttributes: Record<string, string>;
  /** How long finished spans wait to be exported together (OTEL_BSP_SCHEDULE_DELAY, 5 s by default). */
  exportDelayMs: number;
}

export class EnvError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EnvError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function url(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    new URL(raw);
  } catch {
    throw new EnvError(`${name} is not a valid URL: "${raw}"`);
  }
  return raw;
}

function origins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  return raw.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      throw new EnvError(`BATON_CORS_ORIGINS must list origins such as https://app.example.com, separated by commas; "${entry}" is not one`);
    }
    if (origin === 'null' || origin !== entry.replace(/\/+$/, '')) throw new EnvError(`BATON_CORS_ORIGINS entries are origins (scheme://host[:port], no path); "${entry}" is not one`);
    return origin;
  });
}

function boolean(name: string, raw: string | undefined, fallback = false): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  throw new EnvError(`${name} must be true or false, got "${raw}"`);
}

/** 32 bytes, written as 64 hex digits or in base64. */
function secretKey(raw: string | undefined): Buffer | undefined {
  if (!raw) return undefined;
  const text = raw.trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== 32) throw new EnvError('BATON_SECRET_KEY must be 32 bytes, written as 64 hex digits or in base64 (for example: openssl rand -base64 32)');
  return key;
}

function models(raw: string | undefined): ModelRegistry {
  if (!raw) return DEFAULT_MODELS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EnvError(`BATON_MODELS must be a JSON object such as {"sonnet": "claude-sonnet-4-5"}, got "${raw}"`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string' && v)) {
    throw new EnvError('BATON_MODELS must map each alias to a model id string, e.g. {"sonnet": "claude-sonnet-4-5"}');
  }
  const overrides = Object.fromEntries(Object.entries(parsed as Record<string, string>).map(([alias, id]) => [alias.toLowerCase(), id]));
  return { ...DEFAULT_MODELS, ...overrides };
}

function prices(raw: string | undefined): PriceTable {
  if (!raw) return DEFAULT_PRICES;
  const wrong = new EnvError('BATON_PRICES must be a JSON object of model-id prefix → {"input": <USD per million tokens>, "output": …, "cacheRead"?: …, "cacheWrite"?: …}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw wrong;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw wrong;
  const table: Record<string, Price> = { ...DEFAULT_PRICES };
  for (const [prefix, value] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    const number = (key: string, fallback?: number) => {
      const v = value?.[key] ?? fallback;
      if (typeof v !== 'number' || v < 0) throw wrong;
      return v;
    };
    const input = number('input');
    table[prefix] = { input, output: number('output'), cacheRead: number('cacheRead', input / 10), cacheWrite: number('cacheWrite', input * 1.25) };
  }
  return table;
}

/** The OpenTelemetry list format (`key1=value1,key2=value2`, values percent-encoded) of OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES. */
function keyValues(name: string, raw: string | undefined): Record<string, string> {
  if (!raw?.trim()) return {};
  return Object.fromEntries(
    raw.split(',').filter((entry) => entry.trim()).map((entry) => {
      const at = entry.indexOf('=');
      const key = entry.slice(0, at).trim();
      let value: string | undefined;
      try {
        value = at > 0 ? decodeURIComponent(entry.slice(at + 1).trim()) : undefined;
      } catch {
        value = undefined;
      }
      if (!key || value === undefined) throw new EnvError(`${name} must be a list of key=value pairs separated by commas (values percent-encoded), such as "authorization=Bearer%20abc"; "${entry.trim()}" is not one`);
      return [key, value];
    }),
  );
}

/**
 * Tracing is on when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is not true). Only OTLP
 * over HTTP is built in; gRPC would need another exporter and its native-ish dependencies.
 */
function tracing(source: NodeJS.ProcessEnv): TracingSettings | undefined {
  const endpoint = (name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_EXPORTER_OTLP_ENDPOINT') => {
    const given = url(name, source[name]);
    if (given && !/^https?:$/.test(new URL(given).protocol)) throw new EnvError(`${name} must be an http:// or https:// URL (OTLP over HTTP), got "${given}"`);
    return given;
  };
  const signal = endpoint('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = endpoint('OTEL_EXPORTER_OTLP_ENDPOINT');
  if ((!signal && !base) || boolean('OTEL_SDK_DISABLED', source.OTEL_SDK_DISABLED)) return undefined;
  const protocolName = source.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (source[protocolName] || 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new EnvError(`${protocolName} must be http/protobuf or http/json (Baton exports OTLP over HTTP only), got "${protocol}"`);
  }
  return {
    // As the OTLP exporter specification says: the signal's own endpoint is used as it is, the base one gets the signal's path.
    url: signal ?? `${base!.replace(/\/+$/, '')}/v1/traces`,
    protocol,
    headers: { ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', source.OTEL_EXPORTER_OTLP_HEADERS), ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', source.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: source.OTEL_SERVICE_NAME?.trim() || 'baton',
    resourceAttributes: keyValues('OTEL_RESOURCE_ATTRIBUTES', source.OTEL_RESOURCE_ATTRIBUTES),
    exportDelayMs: integer('OTEL_BSP_SCHEDULE_DELAY', source.OTEL_BSP_SCHEDULE_DELAY, 5000, 0, 3_600_000),
  };
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const port = integer('PORT', source.PORT, 4000, 0, 65535);
  return {
    databaseUrl: url('DATABASE_URL', source.DATABASE_URL),
    redisUrl: url('REDIS_URL', source.REDIS_URL),
    anthropicApiKey: source.ANTHROPIC_API_KEY || undefined,
    anthropicBaseUrl: url('ANTHROPIC_BASE_URL', source.ANTHROPIC_BASE_URL),
    port,
    publicUrl: (url('PUBLIC_URL', source.PUBLIC_URL) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    dataDir: resolve(source.BATON_DATA_DIR || '.baton'),
    bodyLimit: integer('BATON_BODY_LIMIT', source.BATON_BODY_LIMIT, 1024 * 1024, 1024, 1024 * 1024 * 1024),
    rateLimit: integer('BATON_RATE_LIMIT', source.BATON_RATE_LIMIT, 1200, 0, 1_000_000),
    authFailureLimit: integer('BATON_AUTH_FAILURE_LIMIT', source.BATON_AUTH_FAILURE_LIMIT, 30, 1, 1_000_000),
    scheduleCheckSeconds: integer('BATON_SCHEDULE_CHECK_SECONDS', source.BATON_SCHEDULE_CHECK_SECONDS, 30, 1, 45),
    webhookRateLimit: integer('BATON_WEBHOOK_RATE_LIMIT', source.BATON_WEBHOOK_RATE_LIMIT, 120, 0, 1_000_000),
    trustProxy: boolean('BATON_TRUST_PROXY', source.BATON_TRUST_PROXY),
    corsOrigins: origins(source.BATON_CORS_ORIGINS),
    models: models(source.BATON_MODELS),
    prices: prices(source.BATON_PRICES),
    graphqlLimits: {
      maxTokens: integer('BATON_GRAPHQL_MAX_TOKENS', source.BATON_GRAPHQL_MAX_TOKENS, 500, 1, 1_000_000),
      maxDepth: integer('BATON_GRAPHQL_MAX_DEPTH', source.BATON_GRAPHQL_MAX_DEPTH, 15, 1, 1000),
      maxAliases: integer('BATON_GRAPHQL_MAX_ALIASES', source.BATON_GRAPHQL_MAX_ALIASES, 15, 0, 100_000),
      maxDirectives: integer('BATON_GRAPHQL_MAX_DIRECTIVES', source.BATON_GRAPHQL_MAX_DIRECTIVES, 20, 0, 100_000),
      maxCost: integer('BATON_GRAPHQL_MAX_COST', source.BATON_GRAPHQL_MAX_COST, 10_000, 1, 1_000_000_000),
    },
    secretKey: secretKey(source.BATON_SECRET_KEY),
    allowStdioTools: boolean('BATON_ALLOW_STDIO_TOOLS', source.BATON_ALLOW_STDIO_TOOLS),
    toolTimeoutMs: integer('BATON_TOOL_TIMEOUT_MS', source.BATON_TOOL_TIMEOUT_MS, 60_000, 100, 3_600_000),
    toolResultLimit: integer('BATON_TOOL_RESULT_LIMIT', source.BATON_TOOL_RESULT_LIMIT, 100_000, 1000, 10_000_000),
    mcpWaitSeconds: integer('BATON_MCP_WAIT_SECONDS', source.BATON_MCP_WAIT_SECONDS, 50, 0, 3600),
    allowPrivateWebhooks: boolean('BATON_ALLOW_PRIVATE_WEBHOOKS', source.BATON_ALLOW_PRIVATE_WEBHOOKS),
    notificationTimeoutMs: integer('BATON_NOTIFICATION_TIMEOUT_MS', source.BATON_NOTIFICATION_TIMEOUT_MS, 10_000, 100, 120_000),
    notificationRetryDelaySeconds: integer('BATON_NOTIFICATION_RETRY_DELAY_SECONDS', source.BATON_NOTIFICATION_RETRY_DELAY_SECONDS, 15, 1, 3600),
    notificationRetries: integer('BATON_NOTIFICATION_RETRIES', source.BATON_NOTIFICATION_RETRIES, 12, 0, 30),
    tracing: tracing(source),
    metrics: boolean('BATON_METRICS', source.BATON_METRICS, true),
    metricsPort: source.BATON_METRICS_PORT ? integer('BATON_METRICS_PORT', source.BATON_METRICS_PORT, 0, 0, 65535) : undefined,
  };
}
