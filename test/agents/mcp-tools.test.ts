import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { randomToken } from '../../src/store/ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, type LoggedRequest, type Reply } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { until } from '../support/until.ts';
import { EVERYTHING, freePort, MEMORY, startEverythingHttp } from '../support/mcp-servers.ts';

// Agents' tools through real MCP servers from npm, as child processes: server-everything over
// Streamable HTTP, server-memory over stdio, and a misbehaving server built on the SDK (fixture).

const FAULTY = fileURLToPath(new URL('../fixtures/mcp/faulty-server.ts', import.meta.url));
/** Stdio servers started here carry a marker argument, so a test can count the processes left behind. */
const MARKER = `--baton-test-${randomToken()}`;

const Get = graphql(`
  query McpExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      steps { stepId status output error toolCalls { name input output durationMs isError } }
    }
  }
`);

const stdio = (alias: string, args: string[], env?: Record<string, string>, marker = MARKER) => ({ alias, transport: 'stdio', command: process.execPath, args: [...args, marker], ...(env ? { env } : {}) });
const markedProcesses = (marker: string) => {
  try {
    return execFileSync('pgrep', ['-f', '--', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/** A workflow whose one agent has these tool servers. */
const workflow = (tools: string) => `# Tool user
## Agents
### Worker
Uses tools.
Model: Haiku
Tools: ${tools}
## Steps
### Work
Agent: Worker
Do the work.
## Output
steps.work.output
`;

/** The tool results a request carries, in order: what the model was given after each call. */
const toolResults = (request: LoggedRequest) =>
  request.body.messages.flatMap((message) => (Array.isArray(message.content) ? (message.content as { type: string; content?: string; is_error?: boolean }[]).filter((block) => block.type === 'tool_result') : []));

/** The model as the fake plays it: these calls one after the other, then an answer quoting every result. */
const script = (calls: { name: string; input: Record<string, unknown> }[]) => (request: LoggedRequest): Reply => {
  const results = toolResults(request);
  const next = calls[results.length];
  return next ? { toolUse: next } : { text: `Done: ${results.map((result) => result.content).join(' | ')}` };
};

const fake = new FakeAnthropic();
let t: TestApp;
let everything: ChildProcess;
let everythingPort: number;
let watch: Awaited<ReturnType<typeof watchExecutions>>;

beforeAll(async () => {
  await fake.start();
  everythingPort = await freePort();
  everything = await startEverythingHttp(everythingPort);
  t = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, BATON_ALLOW_STDIO_TOOLS: '1', BATON_TOOL_TIMEOUT_MS: '1500', BATON_TOOL_RESULT_LIMIT: '2000' },
  });
  watch = await watchExecutions(t);
  const memoryFile = join(await mkdtemp(join(tmpdir(), 'baton-memory-')), 'memory.jsonl');
  for (const server of [
    { alias: 'everything', transport: 'http', url: `http://127.0.0.1:${everythingPort}/mcp`, headers: { Authorization: 'Bearer s3cret-token' } },
    stdio('memory', [MEMORY], { MEMORY_FILE_PATH: memoryFile }),
    stdio('faulty', ['--import', 'tsx', FAULTY]),
  ]) {
    const created = await rest(t, 'POST', '/api/tool-servers', server);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
});
afterAll(async () => {
  await watch?.stop();
  await t?.stop();
  everything?.kill();
  await fake.close();
});

async function run(tools: string, calls: { name: string; input: Record<string, unknown> }[]) {
  fake.reply = script(calls);
  const id = await startExecutionId(t, await createWorkflowId(t, workflow(tools)));
  await watch.until(id, ['completed', 'failed']);
  const execution = (await t.request(Get, { id })).body.data!.execution!;
  return { id, execution, step: execution.steps[0], lastRequest: fake.requests.at(-1)! };
}

describe('agents call tools on real MCP servers', () => {
  it('runs a workflow whose agent uses two servers (Streamable HTTP and stdio), recording every call', async () => {
    const { id, execution, step, lastRequest } = await run('everything, memory', [
      { name: 'everything__echo', input: { message: 'hello' } },
      { name: 'memory__create_entities', input: { entities: [{ name: 'Baton', entityType: 'project', observations: ['runs workflows'] }] } },
      { name: 'memory__read_graph', input: {} },
    ]);
    expect(execution).toMatchObject({ status: 'COMPLETED', error: null });
    // The model was offered the servers' tools, named <alias>__<tool>, with their schemas.
    const offered = fake.requests.find((request) => request.body.tools)!.body.tools as { name: string; input_schema: { properties?: Record<string, unknown> } }[];
    expect(offered.map((tool) => tool.name)).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum', 'memory__create_entities', 'memory__read_graph']));
    expect(offered.find((tool) => tool.name === 'everything__echo')!.input_schema.properties).toHaveProperty('message');

    expect(step.toolCalls.map((call) => [call.name, call.isError])).toEqual([
      ['everything__echo', false],
      ['memory__create_entities', false],
      ['memory__read_graph', false],
    ]);
    expect(JSON.stringify(step.toolCalls[0].output)).toContain('Echo: hello');
    expect(JSON.stringify(step.toolCalls[2].output)).toContain('runs workflows');
    for (const call of step.toolCalls) expect(call.durationMs).toBeGreaterThanOrEqual(0);
    // Each result went back to the model in the next request.
    expect(toolResults(lastRequest).map((result) => result.content)).toEqual([expect.stringContaining('Echo: hello'), expect.stringContaining('Baton'), expect.stringContaining('runs workflows')]);
    // REST sees the calls too.
    expect((await rest(t, 'GET', `/executions/${id}/steps`)).body.steps[0].tool_calls).toBe(3);
  });

  it('gives the model every failure as an error result and goes on: timeout, crash, malformed, huge, unknown tool, bad arguments', async () => {
    const { execution, step, lastRequest } = await run('faulty, everything', [
      { name: 'faulty__hang', input: {} },
      { name: 'faulty__huge', input: { size: 50_000 } },
      { name: 'faulty__malformed', input: {} },
      { name: 'faulty__nope', input: {} },
      { name: 'everything__get-sum', input: { a: 'one', b: 2 } },
      { name: 'faulty__crash', input: {} },
      { name: 'faulty__pid', input: {} },
    ]);
    expect(execution).toMatchObject({ status: 'COMPLETED', error: null });
    const results = toolResults(lastRequest);
    expect(results.map((result) => Boolean(result.is_error))).toEqual([true, false, true, true, true, true, false]);
    expect(results[0].content).toMatch(/timed out/i);
    expect(results[1].content).toHaveLength(2000 + '\n[cut: the tool returned 50000 characters; the first 2000 are shown]'.length);
    expect(results[1].content).toMatch(/\[cut: the tool returned 50000 characters; the first 2000 are shown\]$/);
    expect(results[3].content).toContain('No tool named faulty__nope');
    expect(results[4].content).toMatch(/a|number|invalid/i);
    // After the crash, the next call reached a new process of the server.
    expect(Number(results[6].content)).toBeGreaterThan(0);
    expect(step.toolCalls.map((call) => call.isError)).toEqual([true, false, true, true, true, true, false]);
  });

  it('sees tools a server adds while running (tools/list_changed)', async () => {
    const { execution, lastRequest } = await run('faulty', [
      { name: 'faulty__grow', input: {} },
      { name: 'faulty__added', input: {} },
    ]);
    expect(execution.status).toBe('COMPLETED');
    expect(toolResults(lastRequest).map((result) => [result.content, Boolean(result.is_error)])).toEqual([
      ['grown', false],
      ['added works', false],
    ]);
  });

  it('reconnects to an HTTP server that restarted', async () => {
    await run('everything', [{ name: 'everything__echo', input: { message: 'before' } }]);
    everything.kill();
    await once(everything, 'exit');
    everything = await startEverythingHttp(everythingPort);
    const { execution, lastRequest } = await run('everything', [{ name: 'everything__echo', input: { message: 'after' } }]);
    expect(execution.status).toBe('COMPLETED');
    expect(toolResults(lastRequest)[0]).toMatchObject({ content: expect.stringContaining('Echo: after') });
  });

  it('warns at compile time of a tool server the workspace has not configured, and refuses such an execution at start', async () => {
    const compiled = await rest(t, 'POST', '/workflows/compile', { markdown: workflow('everything, memroy') });
    expect(compiled.body.valid).toBe(true);
    expect(compiled.body.compiler_notes).toContainEqual({
      severity: 'warning',
      code: 'UNKNOWN_TOOL_SERVER',
      message: expect.stringMatching(/`memroy` is not a tool server of this workspace.*Did you mean `memory`\?.*everything, faulty, memory/),
      line: 6,
      column: expect.any(Number),
    });
    const workflowId = await createWorkflowId(t, workflow('everything, nowhere'));
    const refused = await rest(t, 'POST', `/workflows/${workflowId}/run`, { inputs: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('agent Worker uses the tool server nowhere');
    expect(refused.body.detail).toContain('everything, faulty, memory');
  });
});

describe('tool servers as a resource', () => {
  it('keeps secrets sealed: only their names come back, and the database holds no plaintext', async () => {
    const listed = (await rest(t, 'GET', '/api/tool-servers')).body;
    const http = listed.items.find((server: { alias: string }) => server.alias === 'everything');
    expect(http).toMatchObject({ transport: 'http', header_names: ['Authorization'], url: `http://127.0.0.1:${everythingPort}/mcp` });
    expect(JSON.stringify(listed)).not.toContain('s3cret');
    const [row] = await t.app.database.db.$queryRaw<{ secrets: string }[]>`SELECT secrets FROM tool_servers WHERE alias = 'everything'`;
    expect(row.secrets).toMatch(/^v1\./);
    expect(row.secrets).not.toContain('s3cret');
  });

  it('tests a server: its tools as the model sees them, or why it cannot be reached', async () => {
    const { items } = (await rest(t, 'GET', '/api/tool-servers')).body;
    const memory = items.find((server: { alias: string }) => server.alias === 'memory');
    const check = await rest(t, 'POST', `/api/tool-servers/${memory.id}/test`);
    expect(check.body).toMatchObject({ ok: true, error: null });
    expect(check.body.tools.map((tool: { name: string }) => tool.name)).toContain('memory__read_graph');

    const closed = await rest(t, 'POST', '/api/tool-servers', { alias: 'closed', transport: 'http', url: `http://127.0.0.1:${await freePort()}/mcp` });
    const down = await rest(t, 'POST', `/api/tool-servers/${closed.body.id}/test`);
    expect(down.body).toMatchObject({ ok: false, tools: [] });
    expect(down.body.error).toContain('closed could not be reached');
    await rest(t, 'DELETE', `/api/tool-servers/${closed.body.id}`);
  });

  it('names every problem of a bad definition, and refuses a duplicate alias', async () => {
    const bad = await rest(t, 'POST', '/api/tool-servers', { alias: 'a__b', transport: 'http', url: 'ftp://x', headers: { 'Bad Name': 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('`alias`');
    expect(bad.body.detail).toContain('`url`');
    expect(bad.body.detail).toContain('Bad Name');
    const again = await rest(t, 'POST', '/api/tool-servers', { alias: 'memory', transport: 'http', url: 'http://127.0.0.1:1/mcp' });
    expect(again.status).toBe(409);
  });

  it('refuses stdio servers where the administrator has not enabled them', async () => {
    const plain = await startTestApp();
    try {
      const refused = await rest(plain, 'POST', '/api/tool-servers', stdio('local', [MEMORY]));
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('BATON_ALLOW_STDIO_TOOLS=1');
    } finally {
      await plain.stop();
    }
  });
});

describe('no process is left behind', () => {
  it('stops every stdio server when Baton stops', async () => {
    const app = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, BATON_ALLOW_STDIO_TOOLS: '1' } });
    const watching = await watchExecutions(app);
    const marker = `--baton-stop-${randomToken()}`;
    await rest(app, 'POST', '/api/tool-servers', stdio('faulty', ['--import', 'tsx', FAULTY], undefined, marker));
    fake.reply = script([{ name: 'faulty__pid', input: {} }]);
    const id = await startExecutionId(app, await createWorkflowId(app, workflow('faulty')));
    await watching.until(id, ['completed']);
    await watching.stop();
    expect(markedProcesses(marker).length).toBeGreaterThan(0);
    await app.stop();
    await until(() => markedProcesses(marker).length === 0 || undefined, { what: 'no stdio server left running', timeoutMs: 10_000 });
  });
});
