import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type NewTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId } from '../support/runs.ts';

const BRIEF = `# Research Brief
Researches a topic and writes a brief.

## Inputs
- topic: The subject to research (string, required)
- depth: How deep to go — "shallow", "moderate", or "deep" (string, default: "moderate")
- companies: Companies to cover (string[])
- years: Years to cover (number[])
- limit: At most this many sources (number, default: 5)
- charts: Whether to add charts (boolean, default: false)
- extra: Anything else (object)

## Agents
### Writer
Writes briefs.
Model: offline

## Steps
### Research
Agent: Writer
Research {{inputs.topic}} at {{inputs.depth}} depth.

### Write
Agent: Writer
Write a brief from: {{steps.research.output}}

## Output
steps.write.output
`;

const REVIEWED = `# Reviewed Draft
## Agents
### Writer
Writes drafts.
Model: offline
## Steps
### Draft
Agent: Writer
Write a short draft about {{inputs.topic}}.
### Review
Approval: required
Check the draft: {{steps.draft.output}}
## Inputs
- topic: The topic (string, required)
## Output
steps.draft.output
`;

/** Its one step asks the fake Anthropic API, which a test holds as long as it needs the step running. */
const SLOW = `# Slow Essay
## Agents
### Thinker
Thinks at length.
Model: sonnet
## Steps
### Think
Agent: Thinker
Think about {{inputs.topic}}.
## Inputs
- topic: The topic (string, required)
`;

let t: TestApp;
let fake: FakeAnthropic;
let other: NewTenant;
const clients: Client[] = [];

async function connect(headers: Record<string, string> = credentialsOf(t.tenant)): Promise<Client> {
  const client = new Client({ name: 'baton-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}, options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal } = {}) =>
  client.callTool({ name, arguments: args }, CallToolResultSchema, options) as Promise<CallToolResult>;

const textOf = (result: CallToolResult) => result.content.map((item) => (item.type === 'text' ? item.text : '')).join('');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- structured content is checked field by field
const structured = (result: CallToolResult) => result.structuredContent as any;

/** A raw JSON-RPC POST to /mcp, for what an SDK client never sends. */
async function post(body: unknown, headers: Record<string, string> = credentialsOf(t.tenant)) {
  const response = await fetch(`${t.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  // An SSE answer carries one JSON-RPC message per `data:` line.
  const data = response.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6))) : text ? [JSON.parse(text)] : [];
  return { status: response.status, headers: response.headers, messages: data };
}

beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, BATON_CORS_ORIGINS: 'https://app.example.com' } });
  other = await createTenant(t.app.database.db, 'other tenant');
  await createWorkflowId(t, BRIEF);
  await createWorkflowId(t, REVIEWED);
  await createWorkflowId(t, SLOW);
  const agent = (await rest(t, 'POST', '/api/agents', { name: 'Summarizer', description: 'Summarizes.', model: 'offline' })).body.id;
  const recipe = await rest(t, 'POST', '/api/workflow-recipes', {
    template_id: 'daily-digest',
    name: 'Daily digest',
    description: 'Summarizes the news of a day.',
    inputs: { day: { type: 'string', required: true, description: 'The day, as YYYY-MM-DD' }, format: { type: 'string', enum: ['short', 'long'], default: 'short' } },
    steps: [{ step_id: 'summarize', order: 1, agent_id: agent, prompt_template: 'Summarize the news of {input.day}, {input.format}.' }],
  });
  expect(recipe.status).toBe(201);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await t.stop();
  await fake.close();
});

describe('tools/list', () => {
  it('lists a run tool per workflow and recipe, with input schemas from their declared inputs, and the execution tools', async () => {
    const { tools } = await (await connect()).listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['run_research_brief', 'run_reviewed_draft', 'run_slow_essay', 'run_daily_digest', 'get_execution', 'approve_step', 'stop_execution']);
    const brief = tools[0];
    expect(brief.title).toBe('Research Brief');
    expect(brief.description).toMatch(/^Researches a topic and writes a brief\.\n\nRuns the Baton workflow "Research Brief" \(2 steps\)/);
    expect(brief.inputSchema).toEqual({
      type: 'object',
      properties: {
        topic: { type: 'string', description: 'The subject to research' },
        depth: { type: 'string', enum: ['shallow', 'moderate', 'deep'], default: 'moderate', description: 'How deep to go — "shallow", "moderate", or "deep"' },
        companies: { type: 'array', items: { type: 'string' }, description: 'Companies to cover' },
        years: { type: 'array', items: { type: 'number' }, description: 'Years to cover' },
        limit: { type: 'number', default: 5, description: 'At most this many sources' },
        charts: { type: 'boolean', default: false, description: 'Whether to add charts' },
        extra: { type: 'object', description: 'Anything else' },
      },
      required: ['topic'],
      additionalProperties: false,
    });
    const digest = tools[3];
    expect(digest.description).toMatch(/^Summarizes the news of a day\.\n\nRuns the Baton recipe "Daily digest" \(1 step\)/);
    expect(digest.inputSchema).toEqual({
      type: 'object',
      properties: { day: { type: 'string', description: 'The day, as YYYY-MM-DD' }, format: { type: 'string', enum: ['short', 'long'], default: 'short' } },
      required: ['day'],
      additionalProperties: false,
    });
    expect(tools.find((tool) => tool.name === 'approve_step')!.inputSchema).toMatchObject({ required: ['execution_id', 'step_id', 'approved'], additionalProperties: false });
  });
});

describe('run tools', () => {
  it('run a workflow to completion, reporting finished steps as progress, and return its output', async () => {
    const progress: Progress[] = [];
    const result = await call(await connect(), 'run_research_brief', { topic: 'tides' }, { onprogress: (update) => progress.push(update) });
    expect(result.isError).toBeFalsy();
    const { execution_id, status, output } = structured(result);
    expect(status).toBe('completed');
    expect(textOf(result)).toBe(output);
    expect(output).toContain("Baton's offline model");
    expect(progress.map(({ progress, total }) => [progress, total])).toEqual([[0, 2], [1, 2], [2, 2]]);
    expect(progress[0].message).toBe(`Started execution ${execution_id}`);

    const detail = structured(await call(await connect(), 'get_execution', { execution_id }));
    expect(detail).toMatchObject({ execution_id, status: 'completed', output, name: 'Research Brief', steps_completed: 2, steps_total: 2 });
    expect(detail.inputs).toEqual({ topic: 'tides', depth: 'moderate', companies: null, years: null, limit: 5, charts: false, extra: null });
    expect(detail.steps.map((step: { step_id: string; status: string }) => [step.step_id, step.status])).toEqual([['research', 'completed'], ['write', 'completed']]);
  });

  it('run a recipe the same way', async () => {
    const result = await call(await connect(), 'run_daily_digest', { day: '2026-12-01' });
    expect(structured(result)).toMatchObject({ status: 'completed' });
    const detail = structured(await call(await connect(), 'get_execution', { execution_id: structured(result).execution_id }));
    expect(detail).toMatchObject({ name: 'Daily digest', workflow_id: null, inputs: { day: '2026-12-01', format: 'short' } });
    expect(detail.recipe_id).toMatch(/^rcp_/);
  });

  it('answer bad inputs with an error result naming every problem, starting nothing', async () => {
    const client = await connect();
    const result = await call(client, 'run_research_brief', { depth: 'bottomless', limit: 'many', colour: 'blue' });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^Invalid arguments:/);
    expect(text).toContain('unknown input "colour"');
    expect(text).toContain('missing required input "topic" (string)');
    expect(text).toContain('input "depth" must be one of "shallow", "moderate", "deep", got "bottomless"');
    expect(text).toContain('input "limit" must be number, got string "many"');
    const fixed = await call(client, 'get_execution', { execution_id: 7, wait_seconds: -1 });
    expect(fixed.isError).toBe(true);
    expect(textOf(fixed)).toContain('`execution_id`: Invalid input: expected string');
    expect(textOf(fixed)).toContain('`wait_seconds`');
  });

  it('refuse to start a workflow whose agent needs a tool server the tenant lacks, as GraphQL does', async () => {
    const lacking = await createTenant(t.app.database.db, 'tenant without tool servers');
    const headers = credentialsOf(lacking);
    await createWorkflowId(t, SLOW.replace('# Slow Essay', '# Tooled Essay').replace('Model: sonnet', 'Model: sonnet\nTools: github'), headers);
    const result = await call(await connect(headers), 'run_tooled_essay', { topic: 'repos' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Tool server missing: agent Thinker uses the tool server github/);
    expect(await t.app.database.db.execution.count({ where: { tenantId: lacking.tenantId } })).toBe(0);
  });

  it('return the execution id and status when a step waits for approval; approve_step lets it finish', async () => {
    const client = await connect();
    const result = await call(client, 'run_reviewed_draft', { topic: 'kites' });
    expect(result.isError).toBeFalsy();
    const waiting = structured(result);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', output: null, awaiting_approval: [{ step_id: 'review', title: 'Review' }] });
    expect(textOf(result)).toContain(`Execution ${waiting.execution_id} is waiting for a person to approve`);

    const rejected = await call(client, 'approve_step', { execution_id: waiting.execution_id, step_id: 'review', approved: false });
    expect(rejected.isError).toBe(true);
    expect(textOf(rejected)).toMatch(/^Reason required: /);

    const approved = structured(await call(client, 'approve_step', { execution_id: waiting.execution_id, step_id: 'review', approved: true, reason: 'Fine.' }));
    expect(approved.steps.find((step: { step_id: string }) => step.step_id === 'review')).toMatchObject({ status: 'completed', approval: { approved: true, reason: 'Fine.' } });
    const finished = structured(await call(client, 'get_execution', { execution_id: waiting.execution_id, wait_seconds: 30 }));
    expect(finished).toMatchObject({ status: 'completed', awaiting_approval: [] });
    expect(finished.output).toContain('Write a short draft about kites');
  });

  it('stop_execution ends a running execution, and the call that runs it answers with its status', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'A long essay.', after: held });
    const requests = fake.requests.length;
    const client = await connect();
    let reported!: () => void;
    const started = new Promise<void>((resolve) => (reported = resolve));
    const running = call(client, 'run_slow_essay', { topic: 'time' }, { onprogress: () => reported() });
    // The model may be asked while the start commits: once the call reports it, the execution is stored.
    const [modelCall] = await Promise.all([fake.request(requests + 1), started]);
    const [execution] = await t.app.database.db.execution.findMany({ where: { tenantId: t.tenant.tenantId, workflowName: 'Slow Essay', status: 'running' } });

    const stopped = await call(await connect(), 'stop_execution', { execution_id: execution.id });
    expect(structured(stopped)).toMatchObject({ execution_id: execution.id, status: 'stopped' });
    const result = await running;
    expect(result.isError).toBe(true);
    expect(structured(result)).toEqual({ execution_id: execution.id, status: 'stopped', output: null });
    await modelCall.aborted;
    release();
    const again = await call(client, 'stop_execution', { execution_id: execution.id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/^Execution already stopped: /);
  });

  it('stop waiting when the client cancels the call, leaving the execution running', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'Patient words.', after: held });
    const requests = fake.requests.length;
    const client = await connect();
    const controller = new AbortController();
    const progress: Progress[] = [];
    let reported!: () => void;
    const started = new Promise<void>((resolve) => (reported = resolve));
    const running = call(client, 'run_slow_essay', { topic: 'patience' }, { signal: controller.signal, onprogress: (update) => (progress.push(update), reported()) });
    // The model may be asked before the call reports the execution it started: wait for both.
    await Promise.all([fake.request(requests + 1), started]);
    // The waiting call's cancellation subscription ends when it stops waiting.
    const released = new Promise<string>((resolve) => {
      const listener = (topic: string) => {
        if (!topic.startsWith('baton:mcpCallCancelled:')) return;
        t.app.pubsub.activity.off('unsubscribed', listener);
        resolve(topic);
      };
      t.app.pubsub.activity.on('unsubscribed', listener);
    });
    controller.abort('changed my mind');
    await expect(running).rejects.toThrow();
    expect(await released).toContain(t.tenant.tenantId);
    const id = progress[0].message!.replace('Started execution ', '');
    expect(structured(await call(client, 'get_execution', { execution_id: id }))).toMatchObject({ status: 'running' });
    release();
    expect(structured(await call(client, 'get_execution', { execution_id: id, wait_seconds: 30 }))).toMatchObject({ status: 'completed', output: 'Patient words.' });
  });
});

describe('tool names', () => {
  it('name clashing workflows and recipes apart, the oldest keeping the plain name', async () => {
    const third = await createTenant(t.app.database.db, 'third tenant');
    const headers = credentialsOf(third);
    const first = await createWorkflowId(t, BRIEF.replace('# Research Brief', '# Same Name!'), headers);
    const second = await createWorkflowId(t, BRIEF.replace('# Research Brief', '# same name'), headers);
    const agent = (await rest(t, 'POST', '/api/agents', { name: 'Echo', description: 'Echoes.', model: 'offline' }, headers)).body.id;
    const recipe = await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'same-name', name: 'Same name', steps: [{ step_id: 'echo', order: 1, agent_id: agent, prompt_template: 'Echo.' }] }, headers);
    expect(recipe.body).toMatchObject({ template_id: 'same-name' });
    const long = await createWorkflowId(t, BRIEF.replace('# Research Brief', `# ${'Very long name '.repeat(10)}`), headers);
    const client = await connect(headers);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    const tail = (id: string) => id.slice(-8);
    expect(names).toEqual([
      'run_same_name',
      `run_same_name_${tail(second)}`,
      `run_same_name_${tail(recipe.body.id)}`,
      'run_very_long_name_very_long_name_very_long',
      'get_execution',
      'approve_step',
      'stop_execution',
    ]);
    expect(names.every((name) => /^[a-z0-9_]{1,64}$/.test(name))).toBe(true);
    const result = structured(await call(client, `run_same_name_${tail(recipe.body.id)}`));
    expect(result.status).toBe('completed');
    expect(structured(await call(client, 'get_execution', { execution_id: result.execution_id })).recipe_id).toBe(recipe.body.id);
    expect([first, long]).toHaveLength(2);
  });
});

describe('tenancy and authentication', () => {
  it("keeps another tenant's workflows and executions out of reach", async () => {
    const mine = structured(await call(await connect(), 'run_reviewed_draft', { topic: 'fences' }));
    expect(mine.status).toBe('awaiting_approval');
    const stranger = await connect(credentialsOf(other));
    const { tools } = await stranger.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['get_execution', 'approve_step', 'stop_execution']);
    for (const [name, args] of [
      ['get_execution', { execution_id: mine.execution_id }],
      ['approve_step', { execution_id: mine.execution_id, step_id: 'review', approved: true }],
      ['stop_execution', { execution_id: mine.execution_id }],
    ] as const) {
      const result = await call(stranger, name, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(`Execution not found: No execution with ID ${mine.execution_id} exists for this tenant`);
    }
    await expect(call(stranger, 'run_reviewed_draft', { topic: 'fences' })).rejects.toThrow(/Unknown tool: "run_reviewed_draft"/);
    expect(structured(await call(await connect(), 'get_execution', { execution_id: mine.execution_id }))).toMatchObject({ status: 'awaiting_approval' });
  });

  it('answers 401 without credentials or with a wrong key, like GraphQL', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const anonymous = await post(initialize, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.messages[0]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, data: { code: 'UNAUTHENTICATED' } } });
    expect((await post(initialize, { authorization: 'Bearer bt_nope', 'x-tenant-id': t.tenant.tenantId })).status).toBe(401);
    expect((await post(initialize, { authorization: `ApiKey ${t.tenant.apiKey}`, 'x-workspace-id': t.tenant.tenantId })).status).toBe(200);
    await expect(connect({})).rejects.toMatchObject({ code: 401 });
  });
});

describe('hostile input', () => {
  const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

  it('answers malformed JSON-RPC with JSON-RPC errors and 4xx statuses, never a 500', async () => {
    expect(await post('{"jsonrpc": "2.0", "id": 1, "method": ')).toMatchObject({ status: 400, messages: [{ error: { code: -32700 } }] });
    for (const body of ['42', '"text"', 'null', '[]', '{}', '{"jsonrpc": "1.0", "id": 1, "method": "ping"}', JSON.stringify(Array.from({ length: 101 }, (_, id) => ({ ...list, id })))]) {
      const answer = await post(body);
      expect(answer.status, body.slice(0, 60)).toBe(400);
      expect(answer.messages[0].error.code, body.slice(0, 60)).toBeLessThan(-32000);
    }
    const unknownMethod = await post({ jsonrpc: '2.0', id: 2, method: 'tools/explode', params: {} });
    expect(unknownMethod).toMatchObject({ status: 200, messages: [{ id: 2, error: { code: -32601 } }] });
    const badParams = await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_execution', arguments: ['not', 'an', 'object'] } });
    expect(badParams.messages[0]).toMatchObject({ id: 3, error: { code: -32602 } });
    const unknownTool = await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'x'.repeat(10_000), arguments: {} } });
    expect(unknownTool.messages[0]).toMatchObject({ id: 4, error: { code: -32602 } });
    expect(unknownTool.messages[0].error.message.length).toBeLessThan(200);
    const wrongType = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...credentialsOf(t.tenant), 'content-type': 'text/plain', accept: 'application/json, text/event-stream' }, body: JSON.stringify(list) });
    expect(wrongType.status).toBe(415);
    const noAccept = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...credentialsOf(t.tenant), 'content-type': 'application/json' }, body: JSON.stringify(list) });
    expect(noAccept.status).toBe(406);
    expect((await post({ ...list, id: 5 }, { ...credentialsOf(t.tenant), 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
  });

  it('refuses arguments over the body limit, and text Postgres cannot store, before anything starts', async () => {
    const huge = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'run_research_brief', arguments: { topic: 'x'.repeat(2 * 1024 * 1024) } } });
    expect(huge.status).toBe(413);
    const before = await t.app.database.db.execution.count();
    const nul = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'run_research_brief', arguments: { topic: 'a\u0000b' } } });
    expect(nul.messages[0].result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Invalid arguments:\n- `arguments.topic` contains a NUL character' }] });
    const surrogate = await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'approve_step', arguments: { execution_id: 'exec_1', step_id: 'a', approved: true, reason: '\ud800' } } });
    expect(surrogate.messages[0].result.isError).toBe(true);
    expect(await t.app.database.db.execution.count()).toBe(before);
  });

  it('answers GET and DELETE with 405 (stateless: no stream or session to open or end), and pages of unlisted origins with 403', async () => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const response = await fetch(`${t.url}/mcp`, { method, headers: { ...credentialsOf(t.tenant), accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
    const evil = await post(list, { ...credentialsOf(t.tenant), origin: 'http://evil.example.com' });
    expect(evil.status).toBe(403);
    const listed = await post(list, { ...credentialsOf(t.tenant), origin: 'https://app.example.com' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('hands out a session id at initialize that only names the client’s calls', async () => {
    const initialize = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(initialize.messages[0].result).toMatchObject({ serverInfo: { name: 'baton' }, capabilities: { tools: {} } });
    // Any process answers any request: an unknown session id is no error.
    expect(await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { ...credentialsOf(t.tenant), 'mcp-session-id': 'from-elsewhere' })).toMatchObject({ status: 200, messages: [{ id: 2, result: {} }] });
  });
});

describe('limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, BATON_RATE_LIMIT: '5', BATON_MCP_WAIT_SECONDS: '0' } });
  });
  afterAll(() => limited.stop());

  it('answers with the execution id and status "running" once the server has waited as long as it may', async () => {
    let release!: () => void;
    fake.reply = () => ({ text: 'Eventually.', after: new Promise<void>((resolve) => (release = resolve)) });
    await createWorkflowId(limited, SLOW);
    const client = new Client({ name: 'baton-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${limited.url}/mcp`), { requestInit: { headers: credentialsOf(limited.tenant) } }));
    clients.push(client);
    const result = await call(client, 'run_slow_essay', { topic: 'waiting' });
    const { execution_id } = structured(result);
    expect(structured(result)).toEqual({ execution_id, status: 'running', output: null });
    expect(textOf(result)).toBe(`Execution ${execution_id} is still running after 0 s of waiting (0 of 1 steps done). Call get_execution with execution_id "${execution_id}" and wait_seconds for the output.`);
    // wait_seconds is capped by BATON_MCP_WAIT_SECONDS.
    expect(structured(await call(client, 'get_execution', { execution_id, wait_seconds: 3600 }))).toMatchObject({ status: 'running' });
    release();
  });

  it('counts every JSON-RPC request against the tenant’s rate limit, like GraphQL operations', async () => {
    const tenant = await createTenant(limited.app.database.db, 'busy tenant');
    const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
    const send = (body: unknown) =>
      fetch(`${limited.url}/mcp`, { method: 'POST', headers: { ...credentialsOf(tenant), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(body) });
    expect((await send([ping(1), ping(2), ping(3)])).status).toBe(200);
    expect((await send(ping(4))).status).toBe(200);
    expect((await send(ping(5))).status).toBe(200);
    const refused = await send(ping(6));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, data: { code: 'RATE_LIMITED' } } });
  });
});

describe('shutdown', () => {
  it('answers a call still waiting with its execution id and status before the server stops', async () => {
    const stopping = await startTestApp({ env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url }, shutdownGraceMs: 1000 });
    let release!: () => void;
    fake.reply = () => ({ text: 'Too late.', after: new Promise<void>((resolve) => (release = resolve)) });
    await createWorkflowId(stopping, SLOW);
    const client = new Client({ name: 'baton-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${stopping.url}/mcp`), { requestInit: { headers: credentialsOf(stopping.tenant) } }));
    clients.push(client);
    const requests = fake.requests.length;
    const running = call(client, 'run_slow_essay', { topic: 'endings' });
    await fake.request(requests + 1);
    await stopping.stop();
    release();
    const result = await running;
    const { execution_id } = structured(result);
    expect(structured(result)).toEqual({ execution_id, status: 'running', output: null });
    expect(textOf(result)).toContain('is still running while this Baton server stops');
  });
});
