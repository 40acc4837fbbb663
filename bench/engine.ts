// `npm run bench:engine`: the engine against the local fake of the Anthropic API, in one process
// (role all) on the embedded PostgreSQL (or DATABASE_URL). Prints a table; targets in the README.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../src/app.ts';
import { startEmbeddedPostgres } from '../src/embedded-postgres.ts';
import { startExecution } from '../src/engine/start.ts';
import { parseEnv } from '../src/env.ts';
import { migrate } from '../src/migrate.ts';
import { createTenant } from '../src/tenants.ts';
import { createWorkflow } from '../src/workflows.ts';
import { FakeAnthropic, lastUserText } from '../test/support/fake-anthropic.ts';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function runAll(app: App, tenantId: string, markdown: string, count: number, inputs: (i: number) => Record<string, unknown>) {
  const workflow = await createWorkflow(app.database.db, tenantId, markdown, app.models);
  const updates = app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const started = performance.now();
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add((await startExecution(app.engine, tenantId, workflow.id, inputs(i))).id);
  let left = ids.size;
  for await (const update of updates) {
    if (!ids.has(update.executionId)) continue;
    if (update.status === 'failed' || update.status === 'stopped') throw new Error(`execution ${update.executionId} ${update.status}`);
    if (update.status === 'completed' && --left === 0) break;
  }
  return performance.now() - started;
}

const chain = (steps: number) => `# Chain
## Inputs
- n: Run (number, required)
## Agents
### Worker
Works.
Model: Haiku
## Steps
${Array.from({ length: steps }, (_, i) => `### S${i}\nAgent: Worker\nStep ${i} of run {{inputs.n}}.\n`).join('\n')}`;

const fanOut = (width: number) => `# Fan out
## Inputs
- items: Things (string[], required)
## Agents
### Worker
Works.
Model: Haiku
## Steps
### Each
Agent: Worker
For each: inputs.items
Item {{item}}.
`;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const fake = await new FakeAnthropic().start();
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: fake.url, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  await app.start();
  const tenant = await createTenant(app.database.db, `bench ${Date.now()}`);
  const rows: [string, string, string][] = [];
  try {
    // Handoff: a step's answer is complete → the next step's request arrives.
    fake.requests.length = 0;
    fake.reply = (request) => ({ text: `ok ${lastUserText(request)}`, latencyMs: 20 });
    await runAll(app, tenant.tenantId, chain(20), 5, (n) => ({ n }));
    const handoffs: number[] = [];
    const byRun = new Map<string, { step: number; receivedAt: number; answeredAt: number }[]>();
    for (const request of fake.requests) {
      const [, step, n] = /^Step (\d+) of run (\d+)\.$/.exec(lastUserText(request))!;
      byRun.set(n, [...(byRun.get(n) ?? []), { step: Number(step), receivedAt: request.receivedAt, answeredAt: request.answeredAt! }]);
    }
    for (const calls of byRun.values()) {
      calls.sort((a, b) => a.step - b.step);
      for (let i = 1; i < calls.length; i++) handoffs.push(calls[i].receivedAt - calls[i - 1].answeredAt);
    }
    rows.push(['step handoff, 20-step chain (5 runs at once)', `p50 ${percentile(handoffs, 50).toFixed(1)} ms, p99 ${percentile(handoffs, 99).toFixed(1)} ms`, 'p50 ≤ 5 ms, p99 ≤ 25 ms']);

    // Fan-out: 50 items at 200 ms each.
    fake.requests.length = 0;
    fake.reply = () => ({ text: 'item done', latencyMs: 200 });
    const items = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    const wall = await runAll(app, tenant.tenantId, fanOut(50), 1, () => ({ items }));
    const first = Math.min(...fake.requests.map((r) => r.receivedAt));
    const last = Math.max(...fake.requests.map((r) => r.answeredAt!));
    rows.push(['50-wide fan-out, 200 ms model', `${((last - first) / 200).toFixed(2)} × 200 ms (whole execution ${(wall / 200).toFixed(2)} ×)`, '≤ 1.1']);

    // Throughput: instant model, 200 executions of 5 steps at once.
    fake.reply = () => ({ text: 'ok' });
    const runs = 200;
    const steps = 5;
    const elapsed = await runAll(app, tenant.tenantId, chain(steps), runs, (n) => ({ n }));
    rows.push([`throughput, instant model, ${runs} executions × ${steps} steps`, `${((runs * steps) / (elapsed / 1000)).toFixed(0)} steps/s`, '≥ 300 steps/s']);
  } finally {
    await app.stop();
    await fake.close();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log('| benchmark | measured | target |');
  console.log('| --- | --- | --- |');
  for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
}

await main();
