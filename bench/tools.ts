// `npm run bench:tools`: the overhead of one tool call through MCP, as the model sees it: its
// answer asking for the tool is complete → the request carrying the tool's result arrives. It covers
// Baton's dispatch, the MCP round trip to server-everything's `echo` (which does no work of its own),
// and building the next model request. Over Streamable HTTP and stdio, one call at a time, then 50
// fan-out items calling at once. The fake model and the MCP server are separate processes.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../src/app.ts';
import { startExecution } from '../src/engine/start.ts';
import { parseEnv } from '../src/env.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import { createToolServer } from '../src/library/tool-servers.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import { loadSecretKey } from '../src/store/secrets.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { EVERYTHING, freePort, startEverythingHttp } from '../test/support/mcp-servers.ts';
import { startFakeModel, type FakeModel, type ModelCall } from './fake-model.ts';

const RUNS = 100;
const WARMUP = 10;
const FAN_OUT = 50;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const oneStep = (alias: string) => `# Tool call
## Inputs
- n: Run (number, required)
## Agents
### Worker
Uses a tool.
Model: Haiku
Tools: ${alias}
## Steps
### Call
Agent: Worker
Call the tool, run {{inputs.n}}.
`;

const fanOut = (alias: string) => `# Tool fan-out
## Inputs
- items: Things (string[], required)
## Agents
### Worker
Uses a tool.
Model: Haiku
Tools: ${alias}
## Steps
### Each
Agent: Worker
For each: inputs.items
Call the tool for {{item}}.
`;

/** Runs executions of a workflow, all at once, until each has finished; their ids. */
async function run(app: App, tenantId: string, workflowId: string, inputs: Record<string, unknown>[]): Promise<string[]> {
  const updates = app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const ids = new Set((await Promise.all(inputs.map((each) => startExecution(app.engine, tenantId, workflowId, each)))).map((e) => e.id));
  let left = ids.size;
  for await (const update of updates) {
    if (!ids.has(update.executionId)) continue;
    if (update.status === 'failed' || update.status === 'stopped') throw new Error(`execution ${update.executionId} ${update.status}`);
    if (update.status === 'completed' && --left === 0) break;
  }
  return [...ids];
}

/** The calls' durations as Baton recorded them: the MCP request sent → its result back. */
async function callDurations(app: App, executionIds: string[]): Promise<number[]> {
  const rows = await app.database.db.$queryRaw<{ ms: number }[]>`
    SELECT (call->>'durationMs')::float AS ms FROM step_runs, jsonb_array_elements(tool_calls) AS call WHERE execution_id = ANY(${executionIds}::text[])`;
  return rows.map((row) => row.ms);
}

/** Each tool round trip in the log: the answer asking for the tool sent → the request with its result received (both on the fake's clock). */
function roundTrips(calls: ModelCall[]): number[] {
  const asked = new Map(calls.filter((call) => !call.toolResults).map((call) => [call.first, call.answeredAt]));
  return calls.filter((call) => call.toolResults).map((call) => call.receivedAt - asked.get(call.first)!);
}

async function measure(app: App, fake: FakeModel, work: () => Promise<string[]>): Promise<{ trips: number[]; calls: number[] }> {
  await fake.clear();
  const ids = await work();
  return { trips: roundTrips(await fake.calls()), calls: await callDurations(app, ids) };
}

const row = (name: string, { trips, calls }: { trips: number[]; calls: number[] }) => [name, percentile(trips, 50).toFixed(1), percentile(trips, 99).toFixed(1), percentile(calls, 50).toFixed(1), percentile(calls, 99).toFixed(1)];

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-tools-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const fake = await startFakeModel();
  const port = await freePort();
  const http = await startEverythingHttp(port);
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0', BATON_ALLOW_STDIO_TOOLS: '1', ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: fake.url });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  await app.start();
  const { tenantId } = await createTenant(app.database.db, `bench ${Date.now()}`);
  const policy = { secretKey: await loadSecretKey(env.secretKey, env.dataDir), allowStdio: true };
  await createToolServer(app.database.db, tenantId, { alias: 'web', transport: 'http', url: `http://127.0.0.1:${port}/mcp` }, policy);
  await createToolServer(app.database.db, tenantId, { alias: 'local', transport: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] }, policy);
  const rows: string[][] = [];
  try {
    await fake.answer('done', 0);
    for (const [alias, transport] of [['web', 'Streamable HTTP'], ['local', 'stdio']]) {
      await fake.callTool({ name: `${alias}__echo`, input: { message: 'ping' } });
      const single = await createWorkflow(app.database.db, tenantId, oneStep(alias), app.models);
      // The first calls open the session and list the tools; they are not counted.
      for (let n = 0; n < WARMUP; n++) await run(app, tenantId, single.id, [{ n }]);
      const times = { trips: [] as number[], calls: [] as number[] };
      for (let n = 0; n < RUNS; n++) {
        const one = await measure(app, fake, () => run(app, tenantId, single.id, [{ n }]));
        times.trips.push(...one.trips);
        times.calls.push(...one.calls);
      }
      rows.push(row(`one call at a time, ${transport} (${times.trips.length} calls)`, times));
      const wide = await createWorkflow(app.database.db, tenantId, fanOut(alias), app.models);
      const items = Array.from({ length: FAN_OUT }, (_, i) => `item ${i}`);
      await run(app, tenantId, wide.id, [{ items }]);
      rows.push(row(`${FAN_OUT} fan-out items at once, ${transport}`, await measure(app, fake, () => run(app, tenantId, wide.id, [{ items }]))));
    }
  } finally {
    await app.stop();
    fake.stop();
    http.kill();
    await embedded?.stop();
  }
  console.log("\nTool call overhead (ms). Round trip: the model's tool_use answer sent → the request with the result received. MCP call: the request to the tool server sent → its result back.\n");
  console.log('| case | round trip p50 | p99 | MCP call p50 | p99 |\n| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

await main();
process.exit(0);
