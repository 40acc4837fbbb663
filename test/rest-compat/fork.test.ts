import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';

const CHAIN = `# Chain
Three steps in a row.

## Agents

### Worker
Works.
Model: Haiku

## Steps

### Draft
Agent: Worker
Draft it.

### Edit
Agent: Worker
Edit {{steps.draft.output}}.

### Polish
Agent: Worker
Polish {{steps.edit.output}}.
`;

const fake = new FakeAnthropic();
let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let workflowId: string;
/** Prompts starting with this fail (400). */
let failing: string | undefined;
beforeAll(async () => {
  await fake.start();
  fake.reply = (request) => (failing && lastUserText(request).startsWith(failing) ? { error: { status: 400, type: 'invalid_request_error', message: 'no' } } : { text: 'fine', usage: { input: 50, output: 10 } });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  watch = await watchExecutions(t);
  workflowId = (await rest(t, 'POST', '/workflows', { markdown: CHAIN })).body.id;
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
  await fake.close();
});

async function ran(expected: string) {
  const { execution_id: id } = (await rest(t, 'POST', `/workflows/${workflowId}/run`, {})).body;
  await watch.until(id, [expected]);
  return id as string;
}

describe('POST /executions/{id}/fork and /retry', () => {
  it('forks from a step: 202 with the new execution and the preview; only that step and the next call the model', async () => {
    failing = undefined;
    const source = await ran('completed');
    const before = fake.requests.length;
    const fork = await rest(t, 'POST', `/orchestrator/executions/${source}/fork`, { from_step: 'edit' });
    expect(fork.status).toBe(202);
    expect(fork.body).toEqual({
      execution_id: expect.stringMatching(/^exec_/),
      status: 'running',
      started_at: expect.any(String),
      forked_from: source,
      from_step: 'edit',
      preview: { steps_to_run: ['edit', 'polish'], steps_reused: ['draft'], estimated_tokens: 120, estimated_cost_usd: expect.any(Number), unestimated_steps: [] },
    });
    await watch.until(fork.body.execution_id, ['completed']);
    expect(fake.requests.slice(before).map((request) => lastUserText(request).split(' ')[0])).toEqual(['Edit', 'Polish']);
    const steps = (await rest(t, 'GET', `/executions/${fork.body.execution_id}/steps`)).body.steps as { step_id: string; status: string }[];
    expect(steps.map((step) => [step.step_id, step.status])).toEqual([
      ['draft', 'completed'],
      ['edit', 'completed'],
      ['polish', 'completed'],
    ]);
  });

  it('retries a failed execution from its failed step', async () => {
    failing = 'Polish';
    const source = await ran('failed');
    failing = undefined;
    const retry = await rest(t, 'POST', `/executions/${source}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ forked_from: source, from_step: 'polish', preview: { steps_to_run: ['polish'], steps_reused: ['draft', 'edit'] } });
    await watch.until(retry.body.execution_id, ['completed']);
  });

  it('answers 400, 404 and 409 naming the problem', async () => {
    failing = undefined;
    const done = await ran('completed');
    const unknown = await rest(t, 'POST', `/executions/${done}/fork`, { from_step: 'polsh' });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'Unknown step', detail: 'The plan has no step "polsh". Did you mean `polish`? Steps: draft, edit, polish.' } });
    expect((await rest(t, 'POST', `/executions/${done}/fork`, {})).status).toBe(400);
    expect((await rest(t, 'POST', `/executions/${done}/fork`, { from_step: 'edit', inputs: { nope: 1 } })).body.detail).toMatch(/unknown input "nope"/);
    expect((await rest(t, 'POST', `/executions/exec_nope/fork`, { from_step: 'edit' })).status).toBe(404);
    const overridden = await rest(t, 'POST', `/executions/${done}/fork`, { from_step: 'edit', plan_overrides: { steps: { polsh: { model: 'opus' } } } });
    expect(overridden.status).toBe(400);
    expect(overridden.body.detail).toMatch(/no step "polsh"\. Did you mean `polish`\?/);
    expect((await rest(t, 'POST', `/executions/${done}/fork`, { from_step: 'edit', on_latest: 'yes' })).body.detail).toMatch(/on_latest/);
    expect((await rest(t, 'POST', `/executions/exec_nope/retry`)).status).toBe(404);
    expect(await rest(t, 'POST', `/executions/${done}/retry`)).toMatchObject({ status: 409, body: { error: 'Nothing to retry' } });
  });
});
