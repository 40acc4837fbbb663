import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTools } from '../../src/agents/tools.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { startExecutionId } from '../support/runs.ts';

const workflow = (extra = '') => `# Claude Check
## Inputs
- topic: The topic (string, required)
## Agents
### Researcher
Finds facts and cites them.
Model: Haiku
Tools: search
### Writer
Writes it up.
Model: Haiku
## Steps
### Research
Agent: Researcher
${extra}
Research {{inputs.topic}}.
### Write
Agent: Writer
Write about {{inputs.topic}} from: {{steps.research.output}}
## Output
steps.write.output
`;

const Create = graphql(`
  mutation ClaudeCreate($markdown: String!) {
    createWorkflow(markdown: $markdown) { __typename ... on Workflow { id plan { agents { systemPrompt modelId } } } }
  }
`);
const Stop = graphql(`
  mutation ClaudeStop($id: ID!) {
    stopExecution(id: $id) { __typename ... on Execution { status } }
  }
`);
const Get = graphql(`
  query ClaudeExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      steps { stepId status attempts output error turns toolCalls { name input output durationMs } costUsd tokens { input output } }
    }
  }
`);

const fake = new FakeAnthropic();
const tools = new LocalTools();
const searches: unknown[] = [];
tools.register('search', { name: 'web_search', description: 'Searches the web.', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }, async (input) => {
  searches.push(input);
  // A search takes a moment: its recorded duration must show it.
  await new Promise((resolve) => setTimeout(resolve, 25));
  return { results: ['Tides are caused by the moon.'] };
});

let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url }, tools });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function start(markdown: string) {
  const created = (await t.request(Create, { markdown })).body.data!.createWorkflow;
  if (created.__typename !== 'Workflow') throw new Error(JSON.stringify(created));
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, created.id, { topic: 'tides' });
  return { id, watch, plan: created.plan };
}

async function finish(markdown: string) {
  const { id, watch, plan } = await start(markdown);
  await watch.until(id, ['completed', 'failed', 'stopped']);
  await watch.stop();
  return { execution: (await t.request(Get, { id })).body.data!.execution!, plan, id };
}

describe('agents on the Anthropic Messages API (a local fake of it)', () => {
  it('streams each step from the API with the plan’s system prompt and model, recording usage', async () => {
    fake.requests.length = 0;
    fake.reply = (request) => ({ text: `Answer about ${lastUserText(request).includes('Write about') ? 'writing' : 'research'}.`, usage: { input: 120, output: 30 } });
    const { execution, plan, id } = await finish(workflow());
    expect(execution).toMatchObject({ status: 'COMPLETED', output: 'Answer about writing.' });
    expect(execution.steps[0]).toMatchObject({ output: 'Answer about research.', turns: 1, tokens: { input: 120, output: 30 } });
    // Haiku's default price: $1 per million input tokens, $5 per million output tokens.
    expect(execution.steps[0].costUsd).toBeCloseTo((120 * 1 + 30 * 5) / 1_000_000, 12);
    const first = fake.requests[0].body;
    expect(first).toMatchObject({ model: plan.agents[0].modelId, system: plan.agents[0].systemPrompt, stream: true, max_tokens: 4096 });
    expect(lastUserText(fake.requests[0])).toBe('Research tides.');
    expect(lastUserText(fake.requests[1])).toBe('Write about tides from: Answer about research.');
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-test');
    const stored = await t.app.database.db.executionEvent.findMany({ where: { executionId: id }, orderBy: { seq: 'asc' } });
    expect(stored.map((e) => e.type)).toContain('step.completed');
  });

  it('publishes the text of a running step as token events, live', async () => {
    // The answer waits for the subscriber: tokens are live only, and the step may start before its run is answered.
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    fake.reply = () => ({ text: 'one two three four', after: ready });
    const { id, watch } = await start(workflow());
    const tokens = t.app.pubsub.subscribe('executionEvent', id);
    await tokens.ready;
    subscribed();
    const texts: string[] = [];
    for await (const event of tokens) {
      if (event.type === 'step.token' && event.payload.stepId === 'write') texts.push(String(event.payload.text));
      if (event.type === 'execution.completed') break;
    }
    await watch.stop();
    expect(texts.join('')).toBe('one two three four');
  });

  it('retries 429 and 529 answers (honouring retry-after) and then succeeds', async () => {
    fake.requests.length = 0;
    fake.reply = (_request, index) =>
      index === 0
        ? { error: { status: 429, type: 'rate_limit_error', message: 'Slow down', retryAfterMs: 5 } }
        : index === 1
          ? { error: { status: 529, type: 'overloaded_error', message: 'Overloaded', retryAfterMs: 5 } }
          : { text: 'Fine now.' };
    const { execution } = await finish(workflow());
    expect(execution.status).toBe('COMPLETED');
    expect(fake.requests.length).toBe(4);
  });

  it('fails the step on a 400 with the API’s message, without retrying', async () => {
    fake.requests.length = 0;
    fake.reply = () => ({ error: { status: 400, type: 'invalid_request_error', message: 'max_tokens: too large' } });
    const { execution } = await finish(workflow());
    expect(execution.status).toBe('FAILED');
    expect(execution.steps[0]).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(execution.steps[0].error).toContain('max_tokens: too large');
    expect(fake.requests.length).toBe(1);
  });

  it('runs the tool-use loop: the tool’s result goes back to the model, and the calls are recorded', async () => {
    fake.requests.length = 0;
    searches.length = 0;
    fake.reply = (request) => {
      const last = request.body.messages.at(-1)!;
      const answered = Array.isArray(last.content) && (last.content as { type: string }[]).some((block) => block.type === 'tool_result');
      return answered ? { text: 'The moon does it.' } : request.body.tools ? { toolUse: { name: 'search__web_search', input: { query: 'tides' } } } : { text: 'Written.' };
    };
    const { execution } = await finish(workflow());
    expect(execution.status).toBe('COMPLETED');
    expect(searches).toEqual([{ query: 'tides' }]);
    expect(execution.steps[0]).toMatchObject({ output: 'The moon does it.', turns: 2, toolCalls: [{ name: 'search__web_search', input: { query: 'tides' }, output: { results: ['Tides are caused by the moon.'] } }] });
    expect(execution.steps[0].toolCalls[0].durationMs).toBeGreaterThanOrEqual(20);
    expect(fake.requests[0].body.tools?.map((tool) => tool.name)).toEqual(['search__web_search']);
    expect(JSON.stringify(fake.requests[1].body.messages.at(-1))).toContain('Tides are caused by the moon.');
  });

  it('stops offering tools on the last of `Max turns`, so the model must answer', async () => {
    fake.requests.length = 0;
    fake.reply = (request) => (request.body.tools ? { toolUse: { name: 'search__web_search', input: { query: 'again' } } } : { text: 'Answering now.' });
    const { execution } = await finish(workflow('Max turns: 3'));
    expect(execution.steps[0]).toMatchObject({ status: 'COMPLETED', output: 'Answering now.', turns: 3 });
    expect(fake.requests.slice(0, 3).map((r) => Boolean(r.body.tools))).toEqual([true, true, false]);
  });

  it('aborts the in-flight model call when the execution is stopped', async () => {
    fake.requests.length = 0;
    fake.reply = () => ({ hang: true });
    const { id, watch } = await start(workflow());
    const request = await fake.request(1);
    expect((await t.request(Stop, { id })).body.data!.stopExecution).toEqual({ __typename: 'Execution', status: 'STOPPED' });
    await request.aborted;
    await watch.stop();
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.status).toBe('STOPPED');
    expect(execution.steps.map((s) => s.status)).toEqual(['STOPPED', 'STOPPED']);
  });
});
