// `npm run bench:webhooks`: 1,000 signed deliveries to an inbound webhook (`POST /hooks/{id}`),
// one at a time and then 50 in flight, each starting an execution of a one-step workflow on the offline model.
// Measured per delivery: the request sent → the execution's first `executionUpdated` event
// (`running`) as a subscriber of the tenant's updates receives it, both on this process's clock.
// The executions then run to the end meanwhile, as they would in production.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.ts';
import { parseEnv } from '../src/env.ts';
import { createWebhookTrigger } from '../src/library/webhook-triggers.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import { loadSecretKey } from '../src/store/secrets.ts';
import { createTenant } from '../src/tenancy/tenants.ts';

const DELIVERIES = 1_000;
const WARMUP = 50;
/** One at a time (the latency of a delivery alone), then bursts of 50 in flight (queueing included). */
const IN_FLIGHT = [1, 50];
const SECRET = 'bench-secret';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const WORKFLOW = `# Webhook brief
## Inputs
- topic: Topic (string, required)
## Agents
### Writer
Writes briefs.
Model: offline
## Steps
### Write
Agent: Writer
Write a brief on {{inputs.topic}}.
`;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-webhooks-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0', BATON_WEBHOOK_RATE_LIMIT: '0', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  const url = await app.start();
  const { tenantId } = await createTenant(app.database.db, `bench ${Date.now()}`);
  const workflow = await createWorkflow(app.database.db, tenantId, WORKFLOW, app.models);
  const trigger = await createWebhookTrigger(app.database.db, tenantId, workflow.id, SECRET, await loadSecretKey(env.secretKey, env.dataDir));

  // Each execution's first `running` event, when it arrived; `awaited` resolves once it holds them all.
  const running = new Map<string, number>();
  let awaited: { ids: string[]; resolve: () => void } | undefined;
  const allSeen = () => awaited !== undefined && awaited.ids.every((id) => running.has(id));
  const updates = app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  void (async () => {
    for await (const update of updates) {
      if (update.status === 'running' && !running.has(update.executionId)) running.set(update.executionId, performance.now());
      if (allSeen()) awaited!.resolve();
    }
  })();
  /** Resolves once every one of `ids` has had its running event (published after COMMIT, so it may trail the 202). */
  const runningEvents = (ids: string[]) =>
    new Promise<void>((resolve) => {
      awaited = { ids, resolve };
      if (allSeen()) resolve();
    });

  /** Sends `count` deliveries, IN_FLIGHT at a time; each one's send time by the execution it started. */
  async function deliver(count: number, inFlight: number): Promise<Map<string, number>> {
    const sent = new Map<string, number>();
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const n = next++;
        const body = JSON.stringify({ topic: `delivery ${n}` });
        const at = performance.now();
        const response = await fetch(`${url}/hooks/${trigger.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`, 'x-github-delivery': randomUUID() },
          body,
        });
        const answer = (await response.json()) as { execution_id?: string };
        if (response.status !== 202 || !answer.execution_id) throw new Error(`delivery ${n}: ${response.status} ${JSON.stringify(answer)}`);
        sent.set(answer.execution_id, at);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return sent;
  }

  try {
    await deliver(WARMUP, 10);
    console.log(`\n${DELIVERIES} signed webhook deliveries per row, after ${WARMUP} to warm up; each starts a one-step execution that then runs\n`);
    console.log('| deliveries in flight | request sent → execution running event p50 | p99 | max | deliveries/s |\n| --- | ---: | ---: | ---: | ---: |');
    for (const inFlight of IN_FLIGHT) {
      const started = performance.now();
      const sent = await deliver(DELIVERIES, inFlight);
      const elapsed = performance.now() - started;
      await runningEvents([...sent.keys()]);
      const latencies = [...sent].map(([id, at]) => running.get(id)! - at);
      const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
      console.log(`| ${inFlight} | ${ms(50)} | ${ms(99)} | ${Math.max(...latencies).toFixed(1)} ms | ${(DELIVERIES / (elapsed / 1000)).toFixed(0)} |`);
    }
  } finally {
    await updates.return?.();
    await app.stop();
    await embedded?.stop();
  }
}

await main();
process.exit(0);
