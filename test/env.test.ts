import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../src/compiler/models.ts';
import { estimateCost } from '../src/agents/prices.ts';
import { EnvError, parseEnv } from '../src/env.ts';

describe('configuration from the environment', () => {
  it('has working defaults with nothing set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, port: 4000, publicUrl: 'http://localhost:4000', bodyLimit: 1_048_576, models: DEFAULT_MODELS, mcpWaitSeconds: 50 });
    expect(env.dataDir).toMatch(/\.baton$/);
    expect(env.graphqlLimits).toEqual({ maxTokens: 500, maxDepth: 15, maxAliases: 15, maxDirectives: 20, maxCost: 10_000 });
    expect(env).toMatchObject({ allowPrivateWebhooks: false, notificationTimeoutMs: 10_000, notificationRetryDelaySeconds: 15, notificationRetries: 12 });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ BATON_MODELS: '{"sonnet": 5}' }, /BATON_MODELS must map each alias/],
    [{ BATON_MODELS: 'sonnet=x' }, /BATON_MODELS must be a JSON object/],
    [{ BATON_PRICES: '{"claude-x": {"output": 1}}' }, /BATON_PRICES must be a JSON object/],
    [{ BATON_GRAPHQL_MAX_DEPTH: '0' }, /BATON_GRAPHQL_MAX_DEPTH must be an integer between 1 and 1000, got "0"/],
    [{ BATON_GRAPHQL_MAX_COST: 'lots' }, /BATON_GRAPHQL_MAX_COST must be an integer/],
    [{ BATON_MCP_WAIT_SECONDS: '3601' }, /BATON_MCP_WAIT_SECONDS must be an integer between 0 and 3600, got "3601"/],
    [{ BATON_ALLOW_PRIVATE_WEBHOOKS: 'sometimes' }, /BATON_ALLOW_PRIVATE_WEBHOOKS must be true or false/],
    [{ BATON_NOTIFICATION_TIMEOUT_MS: '50' }, /BATON_NOTIFICATION_TIMEOUT_MS must be an integer between 100 and 120000, got "50"/],
    [{ BATON_NOTIFICATION_RETRIES: '31' }, /BATON_NOTIFICATION_RETRIES must be an integer between 0 and 30/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json .*got "grpc"/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key' }, /OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value pairs.*"api-key" is not one/],
    [{ BATON_METRICS: 'maybe' }, /BATON_METRICS must be true or false/],
    [{ BATON_METRICS_PORT: '70000' }, /BATON_METRICS_PORT must be an integer between 0 and 65535/],
  ])('names the variable that is wrong: %j', (source, message) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(message);
  });

  it('turns tracing on with an OTLP endpoint (the standard OTEL_* variables), and metrics off with BATON_METRICS', () => {
    expect(parseEnv({})).toMatchObject({ tracing: undefined, metrics: true, metricsPort: undefined });
    expect(parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-team=ops' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: { authorization: 'Bearer abc', 'x-team': 'ops' },
      serviceName: 'baton',
      resourceAttributes: {},
      exportDelayMs: 5000,
    });
    const traces = parseEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=ops',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_SERVICE_NAME: 'baton-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
    }).tracing;
    expect(traces).toMatchObject({ url: 'https://traces.example.com/ingest', protocol: 'http/json', headers: { 'x-team': 'traces' }, serviceName: 'baton-eu', resourceAttributes: { 'deployment.environment.name': 'prod' } });
    expect(parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(parseEnv({ BATON_METRICS: 'off', BATON_METRICS_PORT: '9464' })).toMatchObject({ metrics: false, metricsPort: 9464 });
  });

  it('lets BATON_MODELS add or replace aliases and BATON_PRICES set prices by model prefix', () => {
    const env = parseEnv({ BATON_MODELS: '{"Sonnet": "claude-sonnet-4-5", "fast": "claude-haiku-4-5"}', BATON_PRICES: '{"claude-haiku-4": {"input": 2, "output": 10}}', PUBLIC_URL: 'https://baton.example.com/' });
    expect(env.models).toMatchObject({ sonnet: 'claude-sonnet-4-5', fast: 'claude-haiku-4-5', opus: DEFAULT_MODELS.opus });
    expect(env.publicUrl).toBe('https://baton.example.com');
    const usage = { tokensIn: 1_000_000, tokensOut: 1_000_000, tokensCacheRead: 0, tokensCacheWrite: 0 };
    expect(estimateCost(env.prices, 'claude-haiku-4-5', usage)).toBe(12);
    expect(estimateCost(env.prices, 'claude-haiku-5-5', usage)).toBe(6);
    expect(estimateCost(env.prices, 'offline', usage)).toBe(0);
  });
});
