import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../../src/agents/offline.ts';
import { LocalTools } from '../../src/agents/tools.ts';
import { compile } from '../../src/compiler/compile.ts';
import type { JsonValue, Plan } from '../../src/compiler/plan.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText, type LoggedRequest, type Reply } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// Every workflow in docs/examples/workflows runs to the end, with the offline model and with Claude
// (the local fake of the Messages API through the real SDK), every approval approved.
const dir = new URL('../../docs/examples/workflows/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .sort();

const Approve = graphql(`
  mutation FixtureRunsApprove($executionId: ID!, $stepId: String!) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: true, reason: "Checked.") {
      __typename
    }
  }
`);

const Get = graphql(`
  query FixtureRunsExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      outputType
      steps { stepId itemIndex status }
    }
  }
`);

/** A value for every input without a default, of its declared type (the first allowed value when there is a list). */
function inputsFor(plan: Plan): Record<string, JsonValue> {
  const value = (type: string, name: string): JsonValue =>
    ({ string: `example ${name}`, number: 5, boolean: true, 'string[]': [`${name} one`, `${name} two`], 'number[]': [1, 2], object: { name } })[type] ?? null;
  return Object.fromEntries(plan.inputs.filter((input) => input.default === null).map((input) => [input.name, input.enum?.[0] ?? value(input.type, input.name)]));
}

/** Claude as the fake plays it: JSON of the asked shape when a step wants JSON, one tool call when tools are offered, else text. */
function claude(request: LoggedRequest): Reply {
  const prompt = lastUserText(request);
  const shape = /Answer with one JSON value only(?: of this shape:\n\n([\s\S]*))?$/.exec(prompt);
  if (shape) return { text: JSON.stringify(exampleOf(shape[1] ? (JSON.parse(shape[1]) as JsonValue) : {}, 'fake')) };
  const usedTool = request.body.messages.some((message) => Array.isArray(message.content));
  if (request.body.tools?.length && !usedTool) return { toolUse: { name: request.body.tools[0].name, input: { query: prompt.slice(0, 40) } } };
  return { text: `Fake Claude on: ${prompt.slice(0, 60)}` };
}

describe.each([
  ['the offline model', false],
  ['Claude (the fake API)', true],
])('fixture workflows with %s', (_, useClaude) => {
  const fake = new FakeAnthropic();
  let t: TestApp;

  beforeAll(async () => {
    await fake.start();
    fake.reply = claude;
    // The tool servers the fixtures' agents name, in process.
    const tools = new LocalTools();
    for (const server of ['search', 'rag-engine', 'github']) {
      tools.register(server, { name: 'search', description: `Searches ${server}.`, inputSchema: { type: 'object', properties: { query: { type: 'string' } } } }, async (input) => ({
        results: [`A ${server} result for ${JSON.stringify(input)}`],
      }));
    }
    t = await startTestApp({ env: useClaude ? { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } : {}, tools });
  });
  afterAll(async () => {
    await t?.stop();
    await fake.close();
  });

  it('has fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(10));

  it.each(fixtures)('%s runs to the end', async (name) => {
    const markdown = readFileSync(new URL(name, dir), 'utf8');
    const { plan } = compile(markdown);
    const calls = fake.requests.length;
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, await createWorkflowId(t, markdown), inputsFor(plan!));
    for (;;) {
      const { status } = await watch.until(id, ['awaiting_approval', 'completed', 'failed', 'stopped']);
      if (status !== 'awaiting_approval') break;
      const { steps } = (await t.request(Get, { id })).body.data!.execution!;
      for (const step of steps.filter((s) => s.status === 'AWAITING_APPROVAL')) {
        expect((await t.request(Approve, { executionId: id, stepId: step.stepId })).body.data!.approveStep.__typename).toBe('Execution');
      }
    }
    await watch.stop();
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution).toMatchObject({ status: 'COMPLETED', error: null });
    expect(execution.output).toBeTruthy();
    expect(execution.steps.every((step) => step.status === 'COMPLETED' || step.status === 'SKIPPED')).toBe(true);
    if (plan!.outputType === 'json') expect(() => JSON.parse(execution.output!)).not.toThrow();
    // With a key, the agents' steps went to the API (one offline agent aside); without, none did.
    expect(fake.requests.length > calls).toBe(useClaude);
  });
});
