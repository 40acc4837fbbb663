import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compiler/plan.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// Jobs due later (a retry after its delay, a total timeout's deadline) run when they are due: the
// workers are woken then, not at their next poll. Here polling is slowed to a minute, so a job
// left to it would outlast the test.

const Get = graphql(`
  query DelayedJobsExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      steps { attempts }
      events { kind payload at }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url }, pollMs: 60_000 });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

/** Runs the workflow to its end, with `plan` over its compiled plan (markdown has no total timeout; recipes compile one). */
async function run(markdown: string, plan: Pick<Plan, 'totalTimeoutMs'> | Record<string, never> = {}) {
  const workflowId = await createWorkflowId(t, markdown);
  const workflow = await t.app.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
  await t.app.database.db.workflow.update({ where: { id: workflowId }, data: { plan: { ...(workflow.plan as object), ...plan } } });
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, workflowId);
  await watch.until(id, ['completed', 'failed', 'stopped']);
  await watch.stop();
  return (await t.request(Get, { id })).body.data!.execution!;
}

describe('delayed jobs', () => {
  it('a retry runs once its delay has passed', async () => {
    fake.reply = (_request, index) => (index < 2 ? { error: { status: 400, type: 'invalid_request_error', message: `bad request ${index}` } } : { text: 'done' });
    const execution = await run(`# Retried
## Agents
### Worker
Works.
Model: Haiku
## Steps
### Work
Agent: Worker
Retries: 2
Retry delay: 100ms
Do the work.
`);
    expect(execution).toMatchObject({ status: 'COMPLETED', steps: [{ attempts: 3 }] });
    const at = (kind: string) => execution.events.filter((event) => event.kind === kind).map((event) => Date.parse(event.at));
    const [failed1, failed2] = at('STEP_RETRYING');
    const [, started2, started3] = at('STEP_STARTED');
    expect(started2 - failed1).toBeGreaterThanOrEqual(100);
    expect(started3 - failed2).toBeGreaterThanOrEqual(200);
    expect(fake.requests.map(lastUserText)).toEqual(['Do the work.', 'Do the work.', 'Do the work.']);
  });

  it("a total timeout's deadline ends the execution when it is due", async () => {
    fake.reply = () => ({ hang: true });
    const execution = await run(
      `# Slow
## Agents
### Worker
Works.
Model: Haiku
## Steps
### Work
Agent: Worker
Take your time.
`,
      { totalTimeoutMs: 500 },
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'The execution ran past its total timeout of 0.5 s' });
  });
});
