import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compiler/plan.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const MARKDOWN = `# Slow
## Agents
### Writer
Writes.
## Steps
### Draft
Agent: Writer
Write something long.
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

describe("a plan's total timeout (a recipe's total_timeout)", () => {
  it('fails the execution while its step still runs, and aborts the model call', async () => {
    const workflowId = await createWorkflowId(t, MARKDOWN);
    // Markdown has no total timeout; recipes compile one into the plan (see docs/recipes.md).
    const workflow = await t.app.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    await t.app.database.db.workflow.update({ where: { id: workflowId }, data: { plan: { ...(workflow.plan as object), totalTimeoutMs: 1000 } satisfies Partial<Plan> } });
    fake.reply = () => ({ hang: true });
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, workflowId);
    const request = await fake.request(1);
    const failed = await watch.until(id, ['completed', 'failed', 'stopped']);
    await watch.stop();
    expect(failed.status).toBe('failed');
    await request.aborted;
    const execution = await t.app.database.db.execution.findUniqueOrThrow({ where: { id }, include: { steps: true } });
    expect(execution.error).toBe('The execution ran past its total timeout of 1 s');
    expect(execution.steps.map((step) => step.status)).toEqual(['stopped']);
    expect(execution.completedAt!.getTime() - execution.createdAt.getTime()).toBeGreaterThanOrEqual(1000);
  });
});
