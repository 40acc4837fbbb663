import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTools } from '../../src/agents/tools.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText, type Reply } from '../support/fake-anthropic.ts';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const workflow = `# Traced Brief
## Agents
### Researcher
Finds facts.
Model: Haiku
Tools: search
### Writer
Writes it up.
Model: Haiku
## Steps
### Research
Agent: Researcher
Research the tides.
### Write
Agent: Writer
Write about the tides from: {{steps.research.output}}
`;

const Get = graphql(`
  query TracedExecution($id: ID!) {
    execution(id: $id) { status startedAt steps { stepId costUsd tokens { input output } } }
  }
`);

/** Research calls the search tool once, then answers; Write answers. Each request has its own token counts. */
function reply(request: Parameters<FakeAnthropic['reply']>[0]): Reply {
  const text = lastUserText(request);
  if (text.startsWith('Research')) return { toolUse: { name: 'search__web_search', input: { query: 'tides' } }, usage: { input: 31, output: 7 } };
  if (text.includes('tool_result')) return { text: 'The moon causes the tides.', usage: { input: 45, output: 19 } };
  return { text: 'Tides, explained.', usage: { input: 52, output: 23 } };
}

const tools = new LocalTools();
tools.register('search', { name: 'web_search', description: 'Searches the web.', inputSchema: { type: 'object', properties: { query: { type: 'string' } } } }, async () => ({ results: ['The moon pulls the sea.'] }));

const nanos = (iso: string) => BigInt(new Date(iso).getTime()) * 1_000_000n;

describe('OpenTelemetry traces', () => {
  const fake = new FakeAnthropic();
  const receiver = new OtlpReceiver();
  let t: TestApp;

  beforeAll(async () => {
    await Promise.all([fake.start(), receiver.start()]);
    fake.reply = reply;
    t = await startTestApp({
      env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'baton-under-test', OTEL_BSP_SCHEDULE_DELAY: '50' },
      tools,
    });
  });
  afterAll(async () => {
    await t.stop();
    await Promise.all([fake.close(), receiver.close()]);
  });

  it('exports one trace per execution: its span, a span per step attempt, and GenAI spans of its model requests and tool calls', async () => {
    const workflowId = await createWorkflowId(t, workflow);
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, workflowId);
    await watch.until(id, ['completed', 'failed']);
    await watch.stop();
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.status).toBe('COMPLETED');

    const spans = await receiver.waitFor((all) => all.some((span) => span.attributes['baton.execution.id'] === id && span.name.startsWith('invoke_workflow')) && all.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat').length >= 3);
    const root = spans.find((span) => span.name === 'invoke_workflow Traced Brief')!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'Traced Brief', 'baton.execution.id': id, 'baton.execution.status': 'completed', 'baton.workflow.id': workflowId });
    expect(root.resource['service.name']).toBe('baton-under-test');
    // The execution span starts when the execution was created, though it is emitted at its end.
    expect(BigInt(root.startTimeUnixNano)).toBe(nanos(execution.startedAt));

    const trace = spans.filter((span) => span.traceId === root.traceId);
    const childrenOf = (parent: ReceivedSpan) => trace.filter((span) => span.parentSpanId === parent.spanId);
    const steps = childrenOf(root).filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
    expect(steps.map((span) => [span.name, span.attributes['baton.step.id'], span.attributes['baton.step.attempt'], span.attributes['baton.step.outcome']]).sort()).toEqual([
      ['invoke_agent Researcher', 'research', 1, 'completed'],
      ['invoke_agent Writer', 'write', 1, 'completed'],
    ]);
    for (const step of steps) expect(BigInt(step.startTimeUnixNano) >= BigInt(root.startTimeUnixNano) && BigInt(step.endTimeUnixNano) <= BigInt(root.endTimeUnixNano)).toBe(true);
    // The jobs that advanced it belong to it too. (Here none: a start in a process that runs a
    // worker claims its first steps itself, and each record claims the next.)
    expect(trace.filter((span) => span.name.startsWith('process ')).every((span) => span.parentSpanId === root.spanId && span.kind === 5)).toBe(true);

    const research = steps.find((span) => span.attributes['baton.step.id'] === 'research')!;
    const write = steps.find((span) => span.attributes['baton.step.id'] === 'write')!;
    const usage = (span: ReceivedSpan) => [span.attributes['gen_ai.usage.input_tokens'], span.attributes['gen_ai.usage.output_tokens']];
    const researchCalls = childrenOf(research).filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    expect(researchCalls.map(usage).sort()).toEqual([
      [31, 7],
      [45, 19],
    ]);
    const [writeCall] = childrenOf(write);
    expect(writeCall).toMatchObject({
      name: 'chat claude-haiku-5-5',
      kind: 3,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-haiku-5-5',
        'gen_ai.response.model': 'claude-haiku-5-5',
        'gen_ai.usage.input_tokens': 52,
        'gen_ai.usage.output_tokens': 23,
        'gen_ai.response.finish_reasons': ['end_turn'],
      },
    });
    // The spans' costs are the step's, as recorded (Haiku: $1 and $5 per million tokens in and out).
    const cost = (span: ReceivedSpan) => span.attributes['baton.cost_usd'] as number;
    expect(cost(writeCall)).toBeCloseTo((52 * 1 + 23 * 5) / 1e6, 12);
    const recorded = Object.fromEntries(execution.steps.map((step) => [step.stepId, step.costUsd]));
    expect(researchCalls.map(cost).reduce((a, b) => a + b)).toBeCloseTo(recorded.research, 12);
    const [tool] = childrenOf(research).filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
    expect(tool).toMatchObject({ name: 'execute_tool search__web_search', attributes: { 'gen_ai.tool.name': 'search__web_search' } });
  });

  it('exports a span per HTTP request naming its GraphQL operation, continuing the caller trace', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parent}-01`, ...credentialsOf(t.tenant) },
      body: JSON.stringify({ query: 'query WhoAmI { viewer { tenant { id } } }', operationName: 'WhoAmI' }),
    });
    expect(response.status).toBe(200);
    const spans = await receiver.waitFor((all) => all.some((span) => span.traceId === traceId));
    expect(spans.find((span) => span.traceId === traceId)).toMatchObject({
      name: 'POST /graphql',
      kind: 2,
      parentSpanId: parent,
      attributes: { 'http.request.method': 'POST', 'url.path': '/graphql', 'http.route': '/graphql', 'http.response.status_code': 200, 'graphql.operation.type': 'query', 'graphql.operation.name': 'WhoAmI' },
    });
    // The mutation that started the execution above has its span too, in a trace of its own.
    expect(spans.some((span) => span.attributes['graphql.operation.name'] === 'SupportRunWorkflow' && span.attributes['graphql.operation.type'] === 'mutation')).toBe(true);
  });
});

describe('OpenTelemetry export on stop, over protobuf by default', () => {
  it('exports what is still buffered when the app stops', async () => {
    const protobuf = new OtlpReceiver();
    await protobuf.start();
    const other = await startTestApp({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${protobuf.url}/custom/traces`, OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=s3cret%20key' } });
    try {
      expect((await fetch(`${other.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...credentialsOf(other.tenant) }, body: JSON.stringify({ query: '{ viewer { tenant { id } } }' }) })).status).toBe(200);
    } finally {
      await other.stop();
    }
    // Nothing waited for: stop() resolved after the export.
    const sent = protobuf.bodies.find((body) => body.body.includes('POST /graphql'));
    expect(sent).toMatchObject({ path: '/custom/traces', contentType: 'application/x-protobuf' });
    expect(sent!.headers['x-collector-key']).toBe('s3cret key');
    await protobuf.close();
  });
});
