import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';

const Get = graphql(`
  query SemanticsExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      steps { stepId status attempts output outputJson error }
      events { type payload }
    }
  }
`);

const two = (first: string, second = '') => `# Semantics
## Agents
### Worker
Does the work.
Model: Haiku
## Steps
### First
Agent: Worker
${first}
Do the first thing.
### Second
Agent: Worker
${second}
Do the second thing after: {{steps.first.output}}
`;

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function run(markdown: string) {
  const workflowId = await createWorkflowId(t, markdown);
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, workflowId);
  await watch.until(id, ['completed', 'failed', 'stopped']);
  await watch.stop();
  return (await t.request(Get, { id })).body.data!.execution!;
}

const firstStepFails = (times: number) => (request: Parameters<FakeAnthropic['reply']>[0], index: number) =>
  lastUserText(request).startsWith('Do the first') && index < times
    ? { error: { status: 400, type: 'invalid_request_error', message: `bad request ${index}` } }
    : { text: `ok ${index}` };

describe('step semantics', () => {
  it('retries a failed step with exponential backoff from Retry delay (Retries)', async () => {
    fake.requests.length = 0;
    fake.reply = firstStepFails(2);
    const execution = await run(two('Retries: 2\nRetry delay: 50ms'));
    expect(execution.status).toBe('COMPLETED');
    expect(execution.steps[0]).toMatchObject({ status: 'COMPLETED', attempts: 3, error: null });
    const retries = execution.events.filter((e) => e.type === 'step.retrying').map((e) => (e.payload as { delayMs: number }).delayMs);
    expect(retries).toEqual([50, 100]);
  });

  it('fails the execution when the retries run out (On error: stop)', async () => {
    fake.requests.length = 0;
    fake.reply = firstStepFails(5);
    const execution = await run(two('Retries: 1\nRetry delay: 10ms'));
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Step first failed' });
    expect(execution.steps.map((s) => [s.status, s.attempts])).toEqual([
      ['FAILED', 2],
      ['STOPPED', 0],
    ]);
    expect(execution.steps[0].error).toContain('bad request 1');
  });

  it('records the failure and goes on with On error: continue', async () => {
    fake.requests.length = 0;
    fake.reply = firstStepFails(1);
    const execution = await run(two('On error: continue'));
    expect(execution.status).toBe('COMPLETED');
    expect(execution.steps.map((s) => s.status)).toEqual(['FAILED', 'COMPLETED']);
    expect(lastUserText(fake.requests[1])).toBe('Do the second thing after: ');
  });

  it('aborts an attempt that exceeds its Timeout', async () => {
    fake.requests.length = 0;
    fake.reply = (request) => (lastUserText(request).startsWith('Do the first') ? { hang: true } : { text: 'ok' });
    const execution = await run(two('Timeout: 200ms'));
    expect(execution.status).toBe('FAILED');
    expect(execution.steps[0]).toMatchObject({ status: 'FAILED', error: 'timed out after 200 ms' });
    await fake.requests[0].aborted;
  });

  it('fails an attempt whose Timeout cuts its answer short, rather than recording the part it read', async () => {
    fake.requests.length = 0;
    // The first step's answer streams its first word, then holds the rest past the step's Timeout.
    fake.reply = (request) => (lastUserText(request).startsWith('Do the first') ? { text: 'Half of an answer', pause: { afterDeltas: 1, until: new Promise(() => {}) } } : { text: 'ok' });
    const execution = await run(two('Timeout: 300ms'));
    expect(execution.status).toBe('FAILED');
    expect(execution.steps[0]).toMatchObject({ status: 'FAILED', error: 'timed out after 300 ms' });
    await fake.requests[0].aborted;
  });

  it('a failed step that fails the execution stops the steps still running beside it, and aborts their model calls', async () => {
    fake.requests.length = 0;
    // The slow step's model never answers on its own: only the failure of its sibling can end it.
    fake.reply = (request) => (lastUserText(request).startsWith('Take your time') ? { hang: true } : { error: { status: 400, type: 'invalid_request_error', message: 'bad request' } });
    const execution = await run(`# Side by side
## Agents
### Worker
Does the work.
Model: Haiku
## Steps
### Slow
Agent: Worker
Depends on: none
Take your time.
### Broken
Agent: Worker
Depends on: none
Fail now.
### After
Agent: Worker
Depends on: slow, broken
Sum up.
`);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Step broken failed' });
    expect(execution.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['slow', 'STOPPED'],
      ['broken', 'FAILED'],
      ['after', 'STOPPED'],
    ]);
    await fake.requests.find((request) => lastUserText(request).startsWith('Take your time'))!.aborted;
  });

  it('asks once more with the parse error when a JSON answer does not parse', async () => {
    fake.requests.length = 0;
    fake.reply = (_request, index) => (index === 0 ? { text: 'Here you go: {"items": [1, 2' } : { text: '```json\n{"items": [1, 2]}\n```' });
    const execution = await run(`# Json
## Agents
### Worker
Lists things.
Model: Haiku
## Steps
### List
Agent: Worker
Output: json
List two numbers.

\`\`\`json
{ "items": [0] }
\`\`\`
`);
    expect(execution.status).toBe('COMPLETED');
    expect(execution.steps[0]).toMatchObject({ status: 'COMPLETED', attempts: 1, outputJson: { items: [1, 2] } });
    expect(fake.requests).toHaveLength(2);
    expect(lastUserText(fake.requests[0])).toContain('Answer with one JSON value only of this shape:');
    expect(lastUserText(fake.requests[1])).toContain('Your previous answer was not valid JSON');
  });
});
