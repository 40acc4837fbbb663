// `npm run bench:engine`: the engine in one process (role all) on the embedded PostgreSQL (or
// DATABASE_URL), against the local fake of the Anthropic API in a child process (a real model is
// remote: its work is not Baton's). Prints a table; targets in the README.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../src/app.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { startExecution, startRecipeExecution } from '../src/engine/start.ts';
import { forkExecution } from '../src/engine/fork.ts';
import { parseEnv } from '../src/env.ts';
import { migrate } from '../src/store/migrate.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { createAgent } from '../src/library/agents.ts';
import { createRecipe } from '../src/library/recipes.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import type { Events } from '../src/store/events.ts';
import type { Subscription } from '../src/store/pubsub.ts';
import Anthropic from '@anthropic-ai/sdk';
import { modelFetch } from '../src/agents/model-fetch.ts';
import { readAnswer } from '../src/agents/answer-events.ts';
import { startFakeModel, type FakeModel } from './fake-model.ts';
import { chain, handoffsOf, percentile } from './chain.ts';


/** Starts `count` executions at once (as that many clients would) and waits for all to complete; the time it took. */
async function runAll(app: App, tenantId: string, count: number, start: (i: number) => Promise<{ id: string }>) {
  const updates = app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const started = performance.now();
  const ids = new Set((await Promise.all(Array.from({ length: count }, (_, i) => start(i)))).map((execution) => execution.id));
  let left = ids.size;
  for await (const update of updates) {
    if (!ids.has(update.executionId)) continue;
    if (update.status === 'failed' || update.status === 'stopped') throw new Error(`execution ${update.executionId} ${update.status}`);
    if (update.status === 'completed' && --left === 0) break;
  }
  return performance.now() - started;
}

/** Runs one execution and times, as its subscriber sees them, its For each step (started → completed) and the whole run. */
async function watchOne(app: App, tenantId: string, markdown: string, inputs: Record<string, unknown>) {
  const workflow = await createWorkflow(app.database.db, tenantId, markdown, app.models);
  const started = performance.now();
  // Subscribed inside the starting transaction: a start may claim the For each step's items at once.
  let events!: Subscription<Events['executionEvent']>;
  const { id } = await startExecution(app.engine, tenantId, workflow.id, inputs, 'manual', {
    also: async (_sql, executionId) => {
      events = app.pubsub.subscribe('executionEvent', executionId);
      await events.ready;
    },
  });
  let stepStarted: number | undefined;
  let stepCompleted: number | undefined;
  for await (const event of events) {
    if (event.type === 'step.started' && event.payload.items !== undefined) stepStarted = clock();
    if (event.type === 'step.completed' && event.payload.items !== undefined) stepCompleted = clock();
    if (event.type === 'execution.failed' || event.type === 'execution.stopped') throw new Error(`execution ${id} ${event.type}`);
    if (event.type === 'execution.completed') break;
  }
  if (stepStarted === undefined || stepCompleted === undefined) throw new Error('the For each step started before its events were watched');
  return { step: stepCompleted - stepStarted, completedAt: stepCompleted, execution: performance.now() - started };
}

/** The machine's clock, as the fake model's log reads it. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * The floor under any engine's fan-out: `width` streamed calls at once through the Anthropic SDK in
 * this process, no engine, from the fake's first request received to the last answer read. `sdk`:
 * as the SDK's documentation writes it (`messages.stream()`, its own fetch); `baton`: as Baton's
 * agent makes them (raw stream events read by agents/answer-events.ts, over agents/model-fetch.ts).
 */
async function bareFanOut(fake: FakeModel, width: number, way: 'sdk' | 'baton'): Promise<number> {
  const client = new Anthropic({ apiKey: 'sk-bench', baseURL: fake.url, maxRetries: 0, ...(way === 'baton' ? { fetch: modelFetch } : {}) });
  await fake.clear();
  await Promise.all(
    Array.from({ length: width }, async (_, i) => {
      const params = { model: 'claude-haiku-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: `Item item ${i}.` }] };
      if (way === 'baton') return readAnswer(await client.messages.create({ ...params, stream: true }), () => {});
      const stream = client.messages.stream(params);
      stream.on('text', () => {});
      return stream.finalMessage();
    }),
  );
  const done = clock();
  return done - Math.min(...(await fake.calls()).map((call) => call.receivedAt));
}


/** The same chain as a recipe of stored agents; its steps after the first get the previous answer as context, as a recipe's do. */
const chainRecipe = (steps: number, agentId: string) => ({
  template_id: `chain-${steps}`,
  name: 'Chain',
  inputs: { n: { type: 'number', required: true, description: 'Run' } },
  steps: Array.from({ length: steps }, (_, i) => ({ step_id: `S${i}`, order: i + 1, agent_id: agentId, prompt_template: `Step ${i} of run {input.n}.` })),
});


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

/** Tracing and metrics as the environment sets them (OTEL_*, BATON_METRICS), to measure what they cost. */
const observability = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_') || name === 'BATON_METRICS'));

/** Rounds of the handoff measurement. */
const ROUNDS = 4;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const fake = await startFakeModel();
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0', ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: fake.url, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}), ...observability() });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  await app.start();
  const tenant = await createTenant(app.database.db, `bench ${Date.now()}`);
  const rows: [string, string, string][] = [];
  try {
    // Handoff: a step's answer is complete → the next step's request arrives. A server runs for
    // long: one round warms it up (database connections opened, code compiled) and is not counted.
    // Then several rounds of 5 runs at once, so that p99 is not just the slowest of 95 handoffs.
    // The same chain runs as a markdown workflow and as a recipe (stored agent, recipe, executions
    // through the library as the API starts them), their rounds taking turns so that both see the
    // same machine.
    await fake.answer('ok ', 20, true);
    const workflow = await createWorkflow(app.database.db, tenant.tenantId, chain(20), app.models);
    const agent = await createAgent(app.database.db, tenant.tenantId, { name: 'Worker', description: 'Works.', model: 'haiku' }, app.models);
    const recipe = await createRecipe(app.database.db, tenant.tenantId, chainRecipe(20, agent.id), app.models);
    const engine = { ...app.engine, models: app.models };
    const chains = {
      markdown: (n: number) => startExecution(app.engine, tenant.tenantId, workflow.id, { n }),
      recipe: (n: number) => startRecipeExecution(engine, tenant.tenantId, recipe.templateId, { n }),
      // A budget that binds (every call reserves and settles) but is never reached.
      budgeted: (n: number) => startExecution(app.engine, tenant.tenantId, workflow.id, { n }, 'manual', { budget: { tokens: 100_000_000, usd: 10_000 } }),
    };
    const handoffs = { markdown: [] as number[], recipe: [] as number[], budgeted: [] as number[] };
    for (let round = -1; round < ROUNDS; round++) {
      for (const kind of ['markdown', 'recipe', 'budgeted'] as const) {
        await fake.clear();
        await runAll(app, tenant.tenantId, 5, (i) => chains[kind]((round + 1) * 5 + i));
        if (round >= 0) handoffs[kind].push(...handoffsOf(await fake.calls()));
      }
    }
    const figures = (values: number[]) => `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`;
    rows.push([`step handoff, 20-step chain (5 runs at once, ${ROUNDS} rounds)`, figures(handoffs.markdown), 'p50 ≤ 5 ms, p99 ≤ 25 ms']);
    rows.push([`step handoff, the same chain as a recipe (rounds taking turns with the row above)`, figures(handoffs.recipe), 'as the markdown workflow']);
    rows.push([`step handoff, the markdown chain with a budget (each call reserved and settled)`, figures(handoffs.budgeted), 'p50 ≤ the first row’s + 1 ms']);

    // Fork: a finished 20-step execution forked from its 15th step, from the forkExecution call (as
    // the API makes it: preview, then the new execution with 14 steps copied) to the model's first
    // request for the fork. One warm-up fork, then 10.
    let sourceId = '';
    await runAll(app, tenant.tenantId, 1, async (n) => ({ id: (sourceId = (await chains.markdown(1000 + n)).id) }));
    const forkStarts: number[] = [];
    for (let i = -1; i < 10; i++) {
      await fake.clear();
      const called = performance.timeOrigin + performance.now();
      await runAll(app, tenant.tenantId, 1, () => forkExecution(engine, tenant.tenantId, sourceId, 's14'));
      const first = Math.min(...(await fake.calls()).map((call) => call.receivedAt));
      if (i >= 0) forkStarts.push(first - called);
    }
    rows.push(['fork of a 20-step execution from step 15: to its first model request (10 forks)', figures(forkStarts), 'within 20 ms']);

    // Fan-out: 50 items at 200 ms each. The step's wall time is from its step.started to its
    // step.completed, as a subscriber sees them (a dashboard watching the run). One warm-up run,
    // then the median of five (this machine's speed drifts from minute to minute).
    await fake.answer('item done', 200);
    const items = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    await watchOne(app, tenant.tenantId, fanOut(50), { items });
    // Runs taking turns with the bare SDK's 50 calls (one warm-up of those too), so both see the same machine.
    await bareFanOut(fake, 50, 'sdk');
    await bareFanOut(fake, 50, 'baton');
    const FAN_OUTS = 5;
    const fanOuts: { step: number; execution: number; span: number; fromRequest: number; sdk: number; baton: number }[] = [];
    for (let run = 0; run < FAN_OUTS; run++) {
      await fake.clear();
      const timing = await watchOne(app, tenant.tenantId, fanOut(50), { items });
      const calls = await fake.calls();
      const firstRequest = Math.min(...calls.map((call) => call.receivedAt));
      fanOuts.push({ ...timing, span: Math.max(...calls.map((call) => call.answeredAt)) - firstRequest, fromRequest: timing.completedAt - firstRequest, sdk: await bareFanOut(fake, 50, 'sdk'), baton: await bareFanOut(fake, 50, 'baton') });
    }
    const median = fanOuts.sort((a, b) => a.step - b.step)[FAN_OUTS >> 1];
    const middle = (key: 'fromRequest' | 'sdk' | 'baton') => fanOuts.map((run) => run[key]).sort((a, b) => a - b)[FAN_OUTS >> 1] / 200;
    rows.push([
      `50-wide fan-out, 200 ms model: step wall time ÷ 200 ms (median of ${FAN_OUTS})`,
      `${(median.step / 200).toFixed(2)} × (model calls span ${(median.span / 200).toFixed(2)} ×, whole execution ${(median.execution / 200).toFixed(2)} ×)`,
      '≤ 1.1',
    ]);
    rows.push([
      'the same fan-out from its first model request to step.completed, and the bare SDK making the 50 calls with no engine (first request → last answer read), as its documentation writes them and as Baton’s agent makes them, runs taking turns',
      `Baton ${middle('fromRequest').toFixed(2)} ×, bare SDK ${middle('sdk').toFixed(2)} × (as Baton calls it ${middle('baton').toFixed(2)} ×)`,
      'the bare SDK as Baton calls it is the floor under the ≤ 1.1 above',
    ]);

    // Throughput: instant model, 200 executions of 5 steps at once.
    await fake.answer('ok', 0);
    const runs = 200;
    const steps = 5;
    const short = await createWorkflow(app.database.db, tenant.tenantId, chain(steps), app.models);
    const elapsed = await runAll(app, tenant.tenantId, runs, (n) => startExecution(app.engine, tenant.tenantId, short.id, { n }));
    rows.push([`throughput, instant model, ${runs} executions × ${steps} steps`, `${((runs * steps) / (elapsed / 1000)).toFixed(0)} steps/s`, '≥ 300 steps/s']);

    // Fairness: one tenant's 1,000-item fan-out fills the worker (100 calls at 50 ms, 900 queued);
    // another tenant then starts a one-step run. Measured: its start → its model request, five
    // times while the burst runs. First in, first out, it would wait for the 900 (about 450 ms).
    await fake.answer('ok', 50);
    const other = await createTenant(app.database.db, `bench other ${Date.now()}`);
    const single = await createWorkflow(app.database.db, other.tenantId, chain(1), app.models);
    const burst = await createWorkflow(app.database.db, tenant.tenantId, fanOut(1000), app.models);
    await fake.clear();
    const bursting = runAll(app, tenant.tenantId, 1, () => startExecution(app.engine, tenant.tenantId, burst.id, { items: Array.from({ length: 1000 }, (_, i) => `item ${i}`) }));
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Polled: the burst's progress is only known to the fake model's process.
      while ((await fake.calls()).length < 150 + i * 100) await new Promise((resolve) => setTimeout(resolve, 10));
      let started = 0;
      await runAll(app, other.tenantId, 1, () => ((started = performance.timeOrigin + performance.now()), startExecution(app.engine, other.tenantId, single.id, { n: 2000 + i })));
      const call = (await fake.calls()).find((each) => each.prompt === `Step 0 of run ${2000 + i}.`);
      if (!call) throw new Error(`the other tenant's run ${i} made no model request`);
      waits.push(call.receivedAt - started);
    }
    await bursting;
    rows.push(['fairness: a one-step run of another tenant while a 1,000-item fan-out fills the worker: start → model request (5 runs)', `${figures(waits)} (FIFO: ~450 ms)`, 'within one slot (50 ms)']);
  } finally {
    await app.stop();
    fake.stop();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log('| benchmark | measured | target |');
  console.log('| --- | --- | --- |');
  for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
}

await main();
