import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';

const CHAIN = `# Chain
Three steps in a row.

## Inputs
- topic: Subject (string, required)

## Agents

### Worker
Works.
Model: Haiku

## Steps

### One
Agent: Worker
Start on {{inputs.topic}}.

### Two
Agent: Worker
Continue from {{steps.one.output}}.

### Three
Agent: Worker
Finish {{steps.two.output}}.
`;

const Fork = graphql(`
  mutation ForkOverridesFork($id: ID!, $fromStep: String!, $onLatest: Boolean, $planOverrides: JSON) {
    forkExecution(id: $id, fromStep: $fromStep, onLatest: $onLatest, planOverrides: $planOverrides) {
      __typename
      ... on Fork { execution { id } preview { stepsToRun stepsReused } }
      ... on Error { code message detail }
    }
  }
`);

const Update = graphql(`
  mutation ForkOverridesUpdate($id: ID!, $markdown: String!) {
    updateWorkflow(id: $id, markdown: $markdown) {
      __typename
      ... on Workflow { version }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
let sourceId: string;
beforeAll(async () => {
  await fake.start();
  fake.reply = (request) => ({ text: `${request.body.model} on ${lastUserText(request).slice(0, 20)}` });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, CHAIN);
  sourceId = await finished(startExecutionId(t, workflowId, { topic: 'otters' }));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function finished(starting: Promise<string>): Promise<string> {
  const watch = await watchExecutions(t);
  try {
    const id = await starting;
    expect((await watch.until(id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
    return id;
  } finally {
    await watch.stop();
  }
}

async function fork(variables: { fromStep: string; onLatest?: boolean; planOverrides?: unknown }) {
  return (await t.request(Fork, { id: sourceId, ...variables })).body.data!.forkExecution;
}

describe('forking with plan overrides and onto a newer version', () => {
  it("runs the steps it forks with the overrides: another prompt and model, and the fork's prompt reads what the step depends on", async () => {
    const before = fake.requests.length;
    const forked = await fork({ fromStep: 'three', planOverrides: { steps: { three: { prompt: 'Polish {{steps.two.output}} for {{inputs.topic}}.', model: 'opus' } } } });
    if (forked.__typename !== 'Fork') throw new Error(JSON.stringify(forked));
    await finished(Promise.resolve(forked.execution.id));
    const [request] = fake.requests.slice(before);
    expect(fake.requests.length - before).toBe(1);
    expect(request.body.model).toMatch(/opus/);
    expect(lastUserText(request)).toMatch(/^Polish .* for otters\.$/);
  });

  it('names every problem with the overrides in one 400', async () => {
    const refused = await fork({
      fromStep: 'three',
      planOverrides: { steps: { thre: { model: 'opus' }, one: { model: 'opus' }, three: { model: 'gpt-9', prompt: 'Use {{steps.four.output}} and {{inputs.topik}}.' } } },
    });
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: 'Invalid plan overrides' });
    const detail = (refused as { detail: string }).detail;
    expect(detail).toMatch(/no step "thre"\. Did you mean `three`\?/);
    expect(detail).toMatch(/step one is kept as recorded, not run again/);
    expect(detail).toMatch(/step three: no model "gpt-9"/);
    expect(detail).toMatch(/\{\{steps\.four\.output\}\}: "four" is not a step that three depends on/);
    expect(detail).toMatch(/no input "topik"/);
    expect(await fork({ fromStep: 'three', planOverrides: { steps: { three: { colour: 'red' } } } })).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringMatching(/colour/) });
  });

  it("forks onto the workflow's current version when the steps it keeps are unchanged there, and names them when not", async () => {
    expect((await t.request(Update, { id: workflowId, markdown: CHAIN.replace('Finish {{steps.two.output}}.', 'Wrap up {{steps.two.output}}.') })).body.data!.updateWorkflow).toMatchObject({ version: 2 });
    const before = fake.requests.length;
    const forked = await fork({ fromStep: 'three', onLatest: true });
    if (forked.__typename !== 'Fork') throw new Error(JSON.stringify(forked));
    await finished(Promise.resolve(forked.execution.id));
    expect(fake.requests.slice(before).map(lastUserText)).toEqual([expect.stringMatching(/^Wrap up /)]);

    await t.request(Update, { id: workflowId, markdown: CHAIN.replace('Start on', 'Begin with') });
    expect(await fork({ fromStep: 'three', onLatest: true })).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringMatching(/^Version 3 of the workflow changed \(or removed\) one, which this fork would keep as recorded: fork from one/) });
    const fromOne = await fork({ fromStep: 'one', onLatest: true });
    expect(fromOne).toMatchObject({ __typename: 'Fork', preview: { stepsToRun: ['one', 'two', 'three'], stepsReused: [] } });
  });
});
