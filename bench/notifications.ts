// `npm run bench:notifications`: completion notifications (outbound webhooks). Baton in one process
// (role all, embedded PostgreSQL or DATABASE_URL, the offline model), a webhook receiver in a child
// process (a real receiver is remote: its work is not Baton's). 1,000 one-step executions, each
// notifying one endpoint of `execution.completed`; latency is from the status change (the
// execution's completed_at, stamped in the transaction that completes it) to the receiver having
// the whole request, on the clock the two processes share. Twice: executions started at a steady
// rate, and all 1,000 at once. Every body's signature is checked afterwards.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { buildApp, type App } from '../src/app.ts';
import { startExecution } from '../src/engine/start.ts';
import { parseEnv } from '../src/env.ts';
import { createWebhookEndpoint } from '../src/library/webhook-endpoints.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import type { Received } from '../test/support/webhook-receiver.ts';

const COUNT = 1000;
const WARM_UP = 50;
/** Executions started per second in the steady run. */
const RATE = Number(process.env.BENCH_RATE ?? 50);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

interface Receiver {
  url: string;
  /** Everything received since the last call, and forgets it. */
  take(): Promise<Received[]>;
  stop(): void;
}

async function startReceiver(): Promise<Receiver> {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver'], { stdio: 'inherit' });
  const url = await new Promise<string>((resolve) => child.once('message', (message) => resolve((message as { url: string }).url)));
  let replies = Promise.resolve<unknown>(undefined);
  return {
    url,
    take: () => (replies = replies.then(() => new Promise((resolve) => (child.once('message', resolve), child.send('take'))))) as Promise<Received[]>,
    stop: () => void child.kill(),
  };
}

async function receiverChild(): Promise<void> {
  const { WebhookReceiver } = await import('../test/support/webhook-receiver.ts');
  const receiver = await new WebhookReceiver().start();
  process.on('message', () => process.send!(receiver.received.splice(0)));
  process.send!({ url: receiver.url });
}

/** Starts `count` executions (`perSecond` of them a second, or all at once) and waits for every notification; the latencies in ms. */
async function measure(app: App, tenantId: string, workflowId: string, receiver: Receiver, count: number, perSecond: number | undefined, secret: string) {
  const started = performance.now();
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const start = startExecution(app.engine, tenantId, workflowId, {}).then((execution) => void ids.add(execution.id));
    if (perSecond) {
      await start;
      const due = started + ((i + 1) * 1000) / perSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    } else if (i === count - 1) await start;
  }
  const received: Received[] = [];
  const deadline = Date.now() + 300_000;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} notifications arrived`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    received.push(...(await receiver.take()));
  }
  const elapsed = performance.now() - started;
  const webhook = new Webhook(secret);
  const receivedAt = new Map<string, number>();
  for (const request of received) {
    const payload = webhook.verify(request.body, request.headers) as { data: { execution_id: string } };
    if (receivedAt.has(payload.data.execution_id)) throw new Error(`execution ${payload.data.execution_id} was notified twice`);
    receivedAt.set(payload.data.execution_id, request.at);
  }
  // Where the time goes: the status change → the attempt's start (commit, wake-up, fetch, the attempt's
  // first statement), and the attempt's start → received (signing, connecting, sending).
  const { rows } = await app.database.pool.query<{ id: string; completed_at: Date; started_at: Date }>(
    `SELECT e.id, e.completed_at, a.started_at FROM executions e JOIN notification_deliveries d ON d.execution_id = e.id JOIN notification_attempts a ON a.delivery_id = d.id AND a.number = 1 WHERE e.id = ANY($1)`,
    [[...ids]],
  );
  const latencies = rows.map((row) => receivedAt.get(row.id)! - row.completed_at.getTime());
  const toStart = rows.map((row) => row.started_at.getTime() - row.completed_at.getTime());
  const toReceipt = rows.map((row) => receivedAt.get(row.id)! - row.started_at.getTime());
  const attempts = await app.database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notification_deliveries WHERE execution_id = ANY($1) AND status = 'delivered' AND attempts = 1`,
    [[...ids]],
  );
  if (attempts.rows[0].n !== count) throw new Error(`${attempts.rows[0].n} of ${count} deliveries were delivered at their first attempt`);
  return { latencies, elapsed, toStart, toReceipt };
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const receiver = await startReceiver();
  // The endpoint's secret is sealed with the key the app opens it with.
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0', BATON_ALLOW_PRIVATE_WEBHOOKS: '1', BATON_SECRET_KEY: randomBytes(32).toString('base64'), ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  await app.start();
  const rows: [string, string][] = [];
  try {
    const tenant = await createTenant(app.database.db, `bench ${Date.now()}`);
    const { secret } = await createWebhookEndpoint(app.database.db, tenant.tenantId, { url: `${receiver.url}/baton`, events: ['execution.completed'] }, { secretKey: env.secretKey!, allowPrivate: true });
    const workflow = await createWorkflow(app.database.db, tenant.tenantId, '# Ping\n## Agents\n### Echo\nEchoes.\nModel: offline\n## Steps\n### Ping\nAgent: Echo\nSay ok.\n', app.models);
    await measure(app, tenant.tenantId, workflow.id, receiver, WARM_UP, RATE, secret);
    const figures = ({ latencies, elapsed, toStart, toReceipt }: Awaited<ReturnType<typeof measure>>) =>
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(0)} ms (all ${COUNT} in ${(elapsed / 1000).toFixed(1)} s); ` +
      `to the attempt's start p50 ${percentile(toStart, 50).toFixed(0)} / p99 ${percentile(toStart, 99).toFixed(0)} ms, then to receipt p50 ${percentile(toReceipt, 50).toFixed(0)} / p99 ${percentile(toReceipt, 99).toFixed(0)} ms`;
    rows.push([`${COUNT} notifications, executions started at ${RATE}/s`, figures(await measure(app, tenant.tenantId, workflow.id, receiver, COUNT, RATE, secret))]);
    rows.push([`${COUNT} notifications, all ${COUNT} executions started at once`, figures(await measure(app, tenant.tenantId, workflow.id, receiver, COUNT, undefined, secret))]);
  } finally {
    await app.stop();
    receiver.stop();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log('| notifications benchmark (status change → received) | measured |');
  console.log('| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
}

if (process.argv.includes('--receiver')) await receiverChild();
else await main();
