import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queueDepths, startBoss, type Boss } from './store/boss.ts';
import { openDatabase, type Database } from './store/db.ts';
import type { Env } from './env.ts';
import { attachGraphQLWebSocket } from './server/graphql-ws.ts';
import { healthHandler } from './server/health.ts';
import { dashboardHandler } from './server/dashboard-route.ts';
import { graphiqlAssetsHandler } from './server/graphiql-assets.ts';
import { clientAddress, createListener, type Route } from './server/http.ts';
import { RateLimiter } from './server/rate-limit.ts';
import { sharePageHandler } from './server/share-route.ts';
import { mcpEndpoint } from './server/mcp-route.ts';
import { webhookRoutes } from './server/webhook-route.ts';
import { restRoutes } from '../rest-compat/mount.ts';
import { createPubSub, type PubSub } from './store/pubsub.ts';
import { createGraphQL, type GraphQLServer } from './server/yoga.ts';
import { agentSelector } from './agents/select.ts';
import type { LocalTools } from './agents/tools.ts';
import { McpTools } from './agents/mcp-tools.ts';
import { loadSecretKey } from './store/secrets.ts';
import { InFlight } from './engine/in-flight.ts';
import type { StepDeps } from './engine/step-deps.ts';
import { createQueues, startEngineWorkers } from './workers/engine-workers.ts';
import { createTriggerQueues, startTriggerWorkers } from './workers/schedule-worker.ts';
import { createNotificationQueue, startNotificationWorkers, type NotificationSettings } from './workers/notification-worker.ts';
import { systemLoad } from './library/active-workflows.ts';
import { LOCAL_ATTEMPTS } from './engine/in-flight.ts';
import { DEAD_AFTER_MS } from './engine/step-deps.ts';
import { metricsHandler, metricsServer } from './server/metrics-route.ts';
import type { Metrics } from './telemetry/metrics.ts';
import type { Tracing } from './telemetry/trace-sdk.ts';

export type Role = 'api' | 'worker' | 'all';

export interface AppOptions {
  env: Env;
  /** In-process tools agents can call by alias, beside the tenants' tool servers (tests). */
  tools?: LocalTools;
  /** Sees every SQL statement of the app's database client. */
  onQuery?: (sql: string, params: string) => void;
  /** The migrated database to use. */
  databaseUrl: string;
  role: Role;
  /** How long a stop waits for in-flight requests and model calls (8 s by default). */
  shutdownGraceMs?: number;
  /** How often idle workers look for jobs, the backstop of wake-ups (1 s by default). */
  pollMs?: number;
}

export interface App {
  database: Database;
  /** What the engine runs with (for callers outside GraphQL: benchmarks, tools). */
  engine: Omit<StepDeps, 'workerId' | 'giveBack'>;
  models: Env['models'];
  boss: Boss;
  pubsub: PubSub;
  graphql: GraphQLServer;
  /** This process's Prometheus metrics; none with BATON_METRICS off. */
  metrics: Metrics | undefined;
  /** Where /metrics is served once started, when on a port of its own (BATON_METRICS_PORT). */
  readonly metricsUrl: string | undefined;
  /** Listens (API roles) and starts workers; resolves with the base URL when serving HTTP. */
  start(): Promise<string | undefined>;
  /** Stops accepting, lets in-flight requests finish, then closes sockets, queue and pools. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 8000;
/** How long a stop waits for the last spans to reach the collector. */
const TRACES_FLUSH_MS = 2000;

const bounded = (work: Promise<void>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
};

export async function buildApp({ env, databaseUrl, role, tools: local, onQuery, shutdownGraceMs = SHUTDOWN_GRACE_MS, pollMs }: AppOptions): Promise<App> {
  const serveHttp = role !== 'worker';
  const database = openDatabase(databaseUrl, onQuery);
  const pubsub = createPubSub(env.redisUrl);
  const boss = await startBoss(databaseUrl, { worker: role !== 'api', cronCheckSeconds: env.scheduleCheckSeconds });
  await createQueues(boss);
  await createTriggerQueues(boss);
  const toolServerPolicy = { secretKey: await loadSecretKey(env.secretKey, env.dataDir), allowStdio: env.allowStdioTools };
  const webhookPolicy = { secretKey: toolServerPolicy.secretKey, allowPrivate: env.allowPrivateWebhooks };
  const notifications: NotificationSettings = { ...webhookPolicy, timeoutMs: env.notificationTimeoutMs, retryDelaySeconds: env.notificationRetryDelaySeconds, retries: env.notificationRetries };
  await createNotificationQueue(boss, notifications);
  const tools = new McpTools({ db: database.db, secretKey: toolServerPolicy.secretKey, timeoutMs: env.toolTimeoutMs, resultLimit: env.toolResultLimit, local });
  // Loaded only when on: off, neither prom-client nor the OpenTelemetry SDK is ever imported.
  const metrics = env.metrics
    ? (await import('./telemetry/metrics.ts')).createMetrics({
        load: () => systemLoad(database.db, undefined, { aliveMs: DEAD_AFTER_MS, attemptsPerWorker: LOCAL_ATTEMPTS }),
        queues: () => queueDepths(boss),
      })
    : undefined;
  const agentFor = agentSelector({ apiKey: env.anthropicApiKey, baseURL: env.anthropicBaseUrl, tools, telemetry: { prices: env.prices, metrics } });
  let workers: Awaited<ReturnType<typeof startEngineWorkers>> | undefined;
  // Starts claim their first steps for this process's worker when it runs one (engine/start.ts).
  const engine = { db: database.db, pool: database.pool, boss, pubsub, agentFor, inFlight: new InFlight(), prices: env.prices, metrics, localWorker: () => workers?.deps };
  const limiter = new RateLimiter({ perMinute: env.rateLimit, authFailuresPerMinute: env.authFailureLimit, webhookPerMinute: env.webhookRateLimit, redisUrl: env.redisUrl });
  const graphql = createGraphQL({ ...engine, models: env.models, publicUrl: env.publicUrl, tools, modelsCallTools: Boolean(env.anthropicApiKey), toolServerPolicy, webhookPolicy, limiter, limits: env.graphqlLimits });
  const mcp = mcpEndpoint({ ...engine, models: env.models, tools, modelsCallTools: Boolean(env.anthropicApiKey), waitSeconds: env.mcpWaitSeconds }, { limiter, origins: [...env.corsOrigins, new URL(env.publicUrl).origin] });
  let triggerWorkers: Awaited<ReturnType<typeof startTriggerWorkers>> | undefined;
  let notificationWorkers: ReturnType<typeof startNotificationWorkers> | undefined;

  const dashboard = dashboardHandler();
  const routes: Route[] = [
    { method: 'GET', path: '/healthz', handle: healthHandler({ pool: database.pool, boss, pubsub }) },
    { method: 'GET', path: '/dashboard', handle: dashboard.page },
    { method: 'GET', path: '/dashboard/assets/:file', handle: dashboard.assets },
    { method: 'GET', path: '/dashboard/templates', handle: dashboard.templates },
    { method: 'GET', path: '/graphiql/:file', handle: graphiqlAssetsHandler() },
    { method: 'GET', path: '/s/:slug', handle: sharePageHandler(database.db) },
    { method: '*', path: graphql.graphqlEndpoint, handle: (request) => graphql.fetch(request, { clientAddress: clientAddress(request) }) },
    { method: '*', path: '/mcp', handle: mcp.handle },
    ...restRoutes(graphql, env.publicUrl),
    ...webhookRoutes({ ...engine, models: env.models, secretKey: toolServerPolicy.secretKey, tools, modelsCallTools: Boolean(env.anthropicApiKey) }, limiter),
    ...(metrics && env.metricsPort === undefined ? [{ method: 'GET', path: '/metrics', handle: metricsHandler(metrics) }] : []),
  ];
  const listener = createListener(routes, { bodyLimit: env.bodyLimit, trustProxy: env.trustProxy, corsOrigins: env.corsOrigins });
  const server = createServer(listener);
  // Attached once listening: attached before, a port in use would also surface as a WebSocket server error.
  let sockets: ReturnType<typeof attachGraphQLWebSocket> | undefined;
  let listening = false;
  const scrapes = metrics && env.metricsPort !== undefined ? metricsServer(metrics) : undefined;
  let metricsUrl: string | undefined;
  const tracing: Tracing | undefined = env.tracing ? await (await import('./telemetry/trace-sdk.ts')).startTracing(env.tracing) : undefined;

  return {
    database,
    engine,
    models: env.models,
    boss,
    pubsub,
    graphql,
    metrics,
    get metricsUrl() {
      return metricsUrl;
    },
    async start() {
      if (scrapes) {
        await new Promise<void>((resolve, reject) => {
          scrapes.once('error', reject);
          scrapes.listen(env.metricsPort, () => resolve());
        });
        metricsUrl = `http://localhost:${(scrapes.address() as AddressInfo).port}/metrics`;
      }
      if (role !== 'api') {
        workers = await startEngineWorkers(engine, { pollMs });
        triggerWorkers = await startTriggerWorkers({ ...engine, models: env.models, tools, modelsCallTools: Boolean(env.anthropicApiKey) });
        notificationWorkers = startNotificationWorkers({ pool: database.pool, boss, pubsub, settings: notifications }, { pollMs });
      }
      if (!serveHttp) return undefined;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.port, () => resolve());
      });
      sockets = attachGraphQLWebSocket(server, graphql, database.pool, { limiter, trustProxy: env.trustProxy });
      listening = true;
      return `http://localhost:${(server.address() as AddressInfo).port}`;
    },
    async stop() {
      // Workers drain while HTTP requests finish: both within the grace.
      const workersStopped = Promise.all([workers?.stop(shutdownGraceMs), triggerWorkers?.stop(), notificationWorkers?.stop(shutdownGraceMs)]);
      if (listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // WebSocket clients are told the server is going away (1001) so they reconnect elsewhere.
        for (const socket of sockets!.clients) socket.close(1001, 'Server shutting down');
        sockets!.close();
        // MCP calls still waiting answer with their execution's id and status before streams are cut.
        await bounded(mcp.drain(), shutdownGraceMs);
        listener.drain();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
        await closed;
        clearTimeout(grace);
      }
      await workersStopped;
      await tools.close();
      await boss.stop({ graceful: true, timeout: shutdownGraceMs, wait: true, close: true });
      await pubsub.close();
      limiter.close();
      await database.close();
      if (metricsUrl) {
        // Scrapers keep their connections open: a scrape in progress has nothing to finish that matters.
        const closed = new Promise<void>((resolve) => scrapes!.close(() => resolve()));
        scrapes!.closeAllConnections();
        await closed;
      }
      // Last: the spans of everything above are exported before the process ends, unless the
      // collector does not answer soon (the SDK would wait 10 s per batch).
      if (tracing) await bounded(tracing.shutdown(), TRACES_FLUSH_MS);
    },
  };
}
