import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { FakeAnthropic, lastUserText, type LoggedRequest } from '../support/fake-anthropic.ts';

const CHAIN = `# Chain
Four steps in a row, and a side branch off the first.

## Inputs
- topic: Subject (string, required)
- items: What to finish (string[], default: ["x", "y"])

## Agents

### Worker
Works.
Model: Haiku

### Lister
Lists.
Model: Haiku

## Steps

### One
Agent: Worker
Start on {{inputs.topic}}.

### Two
Agent: Worker
Depends on: one
Continue from {{steps.one.output}}.

### Side
Agent: Worker
Depends on: one
Aside on {{steps.one.output}}.

### Three
Agent: Worker
Depends on: two
Retries: 0
Go on from {{steps.two.output}}.

### Four
Agent: Worker
Depends on: three
For each: inputs.items
Finish {{item}} from {{steps.three.output}}.

## Output
steps.four.output
`;

const ForkExecution = graphql(`
  mutation ForkTestFork($id: ID!, $fromStep: String!, $inputs: JSON) {
    forkExecution(id: $id, fromStep: $fromStep, inputs: $inputs) {
      __typename
      ... on Fork {
        execution {
          id
          status
          forkedFromStep
          forkedFrom {
            id
          }
        }
        preview {
          fromStep
          stepsToRun
          stepsReused
          estimatedTokens
          estimatedCostUsd
          unestimatedSteps
        }
      }
      ... on Error {
        code
        message
        detail
      }
    }
  }
`);

const RetryExecution = graphql(`
  mutation ForkTestRetry($id: ID!) {
    retryExecution(id: $id) {
      __typename
      ... on Fork {
        execution {
          id
          forkedFromStep
        }
        preview {
          stepsToRun
          stepsReused
        }
      }
      ... on Error {
        code
        message
        detail
      }
    }
  }
`);

const ForkPreview = graphql(`
  query ForkTestPreview($id: ID!, $fromStep: String!) {
    forkPreview(id: $id, fromStep: $fromStep) {
      __typename
      ... on ForkPreview {
        stepsToRun
        stepsReused
        estimatedTokens
        estimatedCostUsd
        unestimatedSteps
      }
      ... on Error {
        code
        detail
      }
    }
  }
`);

const Execution = graphql(`
  query ForkTestExecution($id: ID!) {
    execution(id: $id) {
      status
      output
      inputs
      forks {
        id
      }
      steps {
        stepId
        itemIndex
        status
        reused
        output
        costUsd
        tokens {
          input
          output
        }
      }
      events {
        type
        payload
      }
    }
  }
`);

const Diff = graphql(`
  query ForkTestDiff($a: ID!, $b: ID!) {
    executionDiff(a: $a, b: $b) {
      __typename
      ... on ExecutionDiff {
        firstDivergence
        tokensDelta
        costDeltaUsd
        steps {
          stepId
          itemIndex
          statusA
          statusB
          sameOutput
          tokensDelta
        }
      }
      ... on NotFoundError {
        detail
      }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
/** Prompts starting with this fail (400) instead of answering. */
let failing: string | undefined;
beforeAll(async () => {
  await fake.start();
  fake.reply = (request) =>
    failing && lastUserText(request).startsWith(failing)
      ? { error: { status: 400, type: 'invalid_request_error', message: 'bad request' } }
      : { text: `answer to ${lastUserText(request).slice(0, 30)}`, usage: { input: 100, output: 20 } };
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, CHAIN);
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function finished(id: string) {
  const watch = await watchExecutions(t);
  try {
    const { execution } = (await t.request(Execution, { id })).body.data!;
    if (!['COMPLETED', 'FAILED', 'STOPPED'].includes(execution!.status)) await watch.until(id, ['completed', 'failed', 'stopped']);
  } finally {
    await watch.stop();
  }
  return (await t.request(Execution, { id })).body.data!.execution!;
}

const requestsSince = (from: number) => fake.requests.slice(from).map((request: LoggedRequest) => lastUserText(request).split(' ').slice(0, 2).join(' '));
const spent = (steps: { tokens: { input: number; output: number }; costUsd: number }[]) => ({
  tokens: steps.reduce((sum, step) => sum + step.tokens.input + step.tokens.output, 0),
  cost: steps.reduce((sum, step) => sum + step.costUsd, 0),
});

describe('forking an execution from a step', () => {
  it('runs only the step and what follows it, keeps the rest as recorded, and spends what its preview said', async () => {
    failing = undefined;
    const sourceId = await startExecutionId(t, workflowId, { topic: 'otters' });
    const source = await finished(sourceId);
    expect(source.status).toBe('COMPLETED');

    const { forkPreview: preview } = (await t.request(ForkPreview, { id: sourceId, fromStep: 'three' })).body.data!;
    const fromSource = spent(source.steps.filter((step) => ['three', 'four'].includes(step.stepId)));
    expect(preview).toEqual({
      __typename: 'ForkPreview',
      stepsToRun: ['three', 'four'],
      stepsReused: ['one', 'two', 'side'],
      estimatedTokens: 3 * 120,
      estimatedCostUsd: fromSource.cost,
      unestimatedSteps: [],
    });

    const before = fake.requests.length;
    const { forkExecution: fork } = (await t.request(ForkExecution, { id: sourceId, fromStep: 'three' })).body.data!;
    if (fork.__typename !== 'Fork') throw new Error(`fork failed: ${JSON.stringify(fork)}`);
    expect(fork.execution).toMatchObject({ forkedFromStep: 'three', forkedFrom: { id: sourceId } });
    expect(fork.preview).toMatchObject({ fromStep: 'three', stepsToRun: ['three', 'four'], estimatedTokens: 360 });

    const forked = await finished(fork.execution.id);
    expect(forked.status).toBe('COMPLETED');
    // The model was asked for step three and four's two items only.
    expect(requestsSince(before).sort()).toEqual(['Finish x', 'Finish y', 'Go on']);
    const byStep = (id: string) => forked.steps.filter((step) => step.stepId === id);
    for (const id of ['one', 'two', 'side']) {
      const [kept] = byStep(id);
      expect(kept).toMatchObject({ status: 'COMPLETED', reused: true, costUsd: 0, tokens: { input: 0, output: 0 } });
      expect(kept.output).toBe(source.steps.find((step) => step.stepId === id)!.output);
    }
    expect(byStep('four').every((step) => !step.reused && step.status === 'COMPLETED')).toBe(true);
    // What it spent is what the preview said.
    expect(spent(forked.steps)).toEqual({ tokens: preview.__typename === 'ForkPreview' ? preview.estimatedTokens : -1, cost: fromSource.cost });
    // Its log shows the kept steps finishing, so a follower sees every step end.
    expect(forked.events.filter((event) => (event.payload as { reused?: boolean }).reused).map((event) => [event.type, (event.payload as { stepId: string }).stepId])).toEqual([
      ['step.completed', 'one'],
      ['step.completed', 'two'],
      ['step.completed', 'side'],
    ]);
    expect((await finished(sourceId)).forks).toEqual([{ id: fork.execution.id }]);

    // Compared with its source: the same outputs everywhere, and the kept steps' tokens saved.
    const { executionDiff: diff } = (await t.request(Diff, { a: sourceId, b: fork.execution.id })).body.data!;
    if (diff.__typename !== 'ExecutionDiff') throw new Error(JSON.stringify(diff));
    expect(diff.firstDivergence).toBeNull();
    expect(diff.tokensDelta).toBe(-3 * 120);
    expect(diff.steps.map((step) => [step.stepId, step.itemIndex, step.sameOutput, step.tokensDelta])).toEqual([
      ['one', null, true, -120],
      ['two', null, true, -120],
      ['side', null, true, -120],
      ['three', null, true, 0],
      ['four', null, true, 0],
      ['four', 0, true, 0],
      ['four', 1, true, 0],
    ]);
    expect((await t.request(Diff, { a: sourceId, b: 'exec_nope' })).body.data!.executionDiff).toEqual({ __typename: 'NotFoundError', detail: 'No execution with ID exec_nope exists for this tenant' });
  });

  it('takes new inputs for the fork by name, keeping the others', async () => {
    failing = undefined;
    const sourceId = await startExecutionId(t, workflowId, { topic: 'otters' });
    await finished(sourceId);
    const { forkExecution: fork } = (await t.request(ForkExecution, { id: sourceId, fromStep: 'one', inputs: { topic: 'beavers' } })).body.data!;
    if (fork.__typename !== 'Fork') throw new Error(JSON.stringify(fork));
    expect(fork.preview.stepsReused).toEqual([]);
    const forked = await finished(fork.execution.id);
    expect(forked.inputs).toEqual({ topic: 'beavers', items: ['x', 'y'] });
    expect(forked.steps.find((step) => step.stepId === 'one')!.output).toContain('beavers');
    const { executionDiff: diff } = (await t.request(Diff, { a: sourceId, b: fork.execution.id })).body.data!;
    if (diff.__typename !== 'ExecutionDiff') throw new Error(JSON.stringify(diff));
    expect(diff.firstDivergence).toBe('one');
    expect(diff.steps[0]).toMatchObject({ stepId: 'one', statusA: 'completed', statusB: 'completed', sameOutput: false });
  });

  it('retries a failed execution from its first failed step, without calling the model for the steps before it', async () => {
    failing = 'Go on';
    const sourceId = await startExecutionId(t, workflowId, { topic: 'owls' });
    const source = await finished(sourceId);
    expect(source.status).toBe('FAILED');
    expect(source.steps.find((step) => step.stepId === 'three')!.status).toBe('FAILED');

    failing = undefined;
    const before = fake.requests.length;
    const { retryExecution: retry } = (await t.request(RetryExecution, { id: sourceId })).body.data!;
    if (retry.__typename !== 'Fork') throw new Error(JSON.stringify(retry));
    expect(retry.execution.forkedFromStep).toBe('three');
    expect(retry.preview).toEqual({ stepsToRun: ['three', 'four'], stepsReused: ['one', 'two', 'side'] });
    const retried = await finished(retry.execution.id);
    expect(retried.status).toBe('COMPLETED');
    expect(requestsSince(before).sort()).toEqual(['Finish x', 'Finish y', 'Go on']);
  });

  it('refuses bad forks with the reason', async () => {
    failing = undefined;
    const doneId = await startExecutionId(t, workflowId, { topic: 'newts' });
    await finished(doneId);
    const refusal = async (variables: { id: string; fromStep: string; inputs?: unknown }) => {
      const { forkExecution: answer } = (await t.request(ForkExecution, variables)).body.data!;
      return answer.__typename === 'Fork' ? answer.__typename : { code: answer.code, detail: answer.detail };
    };
    expect(await refusal({ id: doneId, fromStep: 'thre' })).toEqual({ code: 'BAD_REQUEST', detail: 'The plan has no step "thre". Did you mean `three`? Steps: one, two, side, three, four.' });
    expect(await refusal({ id: doneId, fromStep: 'four[1]' })).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringContaining('"four[1]" is one item of the For each step "four": fork from "four"') });
    expect(await refusal({ id: doneId, fromStep: 'two', inputs: { topic: 7, colour: 'red' } })).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringContaining('unknown input "colour"') });
    expect(await refusal({ id: 'exec_nope', fromStep: 'two' })).toMatchObject({ code: 'NOT_FOUND' });
    const { retryExecution: nothing } = (await t.request(RetryExecution, { id: doneId })).body.data!;
    expect(nothing).toMatchObject({ code: 'CONFLICT', message: 'Nothing to retry' });

    // A running execution cannot be forked.
    fake.reply = () => ({ hang: true });
    try {
      const runningId = await startExecutionId(t, workflowId, { topic: 'moles' });
      expect(await refusal({ id: runningId, fromStep: 'two' })).toMatchObject({ code: 'CONFLICT', detail: expect.stringContaining(`Execution ${runningId} is running`) });
    } finally {
      fake.reply = (request) => ({ text: `answer to ${lastUserText(request).slice(0, 30)}`, usage: { input: 100, output: 20 } });
    }
  });
});
