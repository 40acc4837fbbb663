import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';

const CHAIN = `# Chain
Three steps in a row.

## Agents

### Worker
Works.
Model: Haiku
Max tokens: 100

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

## Output
{{steps.draft.output}} / {{steps.edit.output}} / {{steps.polish.output}}
`;

const fake = new FakeAnthropic();
let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let workflowId: string;
beforeAll(async () => {
  await fake.start();
  // 200 tokens a call; a call's worst case (its text's bytes, framing, max_tokens) is about 400.
  fake.reply = () => ({ text: 'fine', usage: { input: 100, output: 100 } });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  watch = await watchExecutions(t);
  workflowId = (await rest(t, 'POST', '/workflows', { markdown: CHAIN })).body.id;
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
  await fake.close();
});

describe('budgets over REST', () => {
  it('ends a run that runs out of budget as failed with "budget exhausted", its finished steps and partial output kept; a retry runs the rest', async () => {
    const started = await rest(t, 'POST', `/workflows/${workflowId}/run`, { budget: { tokens: 700 } });
    expect(started.status).toBe(202);
    const id = started.body.execution_id as string;
    await watch.until(id, ['budget_exhausted']);
    const execution = await rest(t, 'GET', `/executions/${id}`);
    expect(execution.body).toMatchObject({ status: 'failed', error: expect.stringMatching(/^budget exhausted: the execution's budget of 700 tokens \(spent .*400 tokens\)/), final_output: 'fine / fine / ' });
    // Listed as it reads: among the failed runs, not the completed ones.
    const listed = async (status: string) => (await rest(t, 'GET', `/executions?status=${status}&workflow_id=${workflowId}`)).body.executions.map((each: { execution_id: string }) => each.execution_id);
    expect(await listed('failed')).toContain(id);
    expect(await listed('completed')).not.toContain(id);
    const steps = (await rest(t, 'GET', `/executions/${id}/steps`)).body.steps as { step_id: string; status: string }[];
    expect(steps.map((step) => [step.step_id, step.status])).toEqual([['draft', 'completed'], ['edit', 'completed'], ['polish', 'stopped']]);

    const retry = await rest(t, 'POST', `/executions/${id}/retry`, {});
    expect(retry.body).toMatchObject({ from_step: 'polish', preview: { steps_reused: ['draft', 'edit'] } });
    await watch.until(retry.body.execution_id, ['completed']);
    expect((await rest(t, 'GET', `/executions/${retry.body.execution_id}`)).body).toMatchObject({ status: 'completed', final_output: 'fine / fine / fine' });
  });

  it('refuses a budget of zero or less, or of the wrong type, with a 400 naming it', async () => {
    const zero = await rest(t, 'POST', `/workflows/${workflowId}/run`, { budget: { tokens: 0 } });
    expect(zero.status).toBe(400);
    expect(zero.body.detail).toMatch(/budget\.tokens must be a whole number from 1 to 2147483647, not 0/);
    const negative = await rest(t, 'POST', `/workflows/${workflowId}/run`, { budget: { usd: -5 } });
    expect(negative.body.detail).toMatch(/budget\.usd must be above 0, not -5/);
    const text = await rest(t, 'POST', `/workflows/${workflowId}/run`, { budget: { usd: 'lots' } });
    expect(text.status).toBe(400);
    expect(text.body.detail).toMatch(/budget\.usd/);
    const unknown = await rest(t, 'POST', `/workflows/${workflowId}/run`, { budget: { dollars: 5 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/dollars/);
  });
});
