import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { holdExecutionLock } from '../support/execution-lock.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText, type LoggedRequest } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// The next step of a chain starts as soon as the step before it has answered, while that step's
// record (which takes the execution's lock) is still on its way; the record adopts it when it claims
// that step, and otherwise it is aborted with nothing of it recorded (engine/early-start.ts). Holding
// the execution's row lock from the test keeps the record waiting, deterministically.
const CHAIN = `# Chain
## Agents
### Writer
Writes.
Model: Haiku
Max tokens: 40
## Steps
### Draft
Agent: Writer
Draft the note.

### Review
Agent: Writer
Review this draft: {{steps.draft.output}}

### Publish
Agent: Writer
Publish this review: {{steps.review.output}}
`;

const RunWithin = graphql(`
  mutation EarlyStartRun($workflowId: ID!, $budget: BudgetInput) {
    runWorkflow(workflowId: $workflowId, budget: $budget) {
      __typename
      ... on Execution { id }
    }
  }
`);

const Spent = graphql(`
  query EarlyStartSpent($id: ID!) {
    execution(id: $id) {
      status
      spend { tokens reservedTokens }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
/** Answers the first request (the draft) only when the test says so. */
let answerDraft: () => void;

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, CHAIN);
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

/** The worst case Baton reserves for a request: its text's UTF-8 bytes plus framing, and its max_tokens. */
const worstCase = (request: LoggedRequest) => Buffer.byteLength((request.body.system ?? '') + lastUserText(request)) + 32 + request.body.max_tokens;

/** What each answer spends: within what its request reserves (its UTF-8 bytes + 32, and max_tokens), as a real answer is. */
const USAGE = { input: 10, output: 20 };

/**
 * Starts a run whose draft answers on cue (the other steps at once, or with `hang`, never), and waits
 * for the draft's request; `first` is the number of that request in the fake's log.
 */
async function startHeld({ hang = false, budgetTokens }: { hang?: boolean; budgetTokens?: number } = {}) {
  const first = fake.requests.length + 1;
  const held = new Promise<void>((resolve) => (answerDraft = resolve));
  fake.reply = (request) =>
    lastUserText(request).startsWith('Draft') ? { text: 'the draft', after: held, usage: USAGE } : hang ? { hang } : { text: `answer to ${lastUserText(request)}`, usage: USAGE };
  let id: string;
  if (budgetTokens === undefined) id = await startExecutionId(t, workflowId);
  else {
    const started = (await t.request(RunWithin, { workflowId, budget: { tokens: budgetTokens } })).body.data!.runWorkflow;
    if (started.__typename !== 'Execution') throw new Error(`not started: ${started.__typename}`);
    id = started.id;
  }
  await fake.request(first);
  return { id, first };
}

const rows = async (id: string) =>
  (await t.app.database.pool.query<{ step_id: string; status: string; attempt: number }>('SELECT step_id, status, attempt FROM step_runs WHERE execution_id = $1 ORDER BY position', [id])).rows;
const events = async (id: string) =>
  (await t.app.database.pool.query<{ type: string; step: string | null }>(`SELECT type, payload->>'stepId' AS step FROM execution_events WHERE execution_id = $1 ORDER BY seq`, [id])).rows.map((e) => `${e.type}${e.step ? ` ${e.step}` : ''}`);

describe('starting the next step early', () => {
  it("sends the next step's request before the record of the one before it commits, and keeps it once the record claims that step", async () => {
    const watch = await watchExecutions(t);
    const { id, first } = await startHeld();
    const locked = await holdExecutionLock(t, id);
    try {
      answerDraft();
      // The record of the draft waits for the lock the test holds; the review's request is out already, with the draft's answer in it.
      const review = await fake.request(first + 1);
      expect(lastUserText(review)).toBe('Review this draft: the draft');
      const seen = await locked.query<{ step_id: string; status: string }>('SELECT step_id, status FROM step_runs WHERE execution_id = $1 ORDER BY position', [id]);
      expect(seen.rows.map((row) => `${row.step_id} ${row.status}`)).toEqual(['draft running', 'review pending', 'publish pending']);
    } finally {
      await locked.query('COMMIT');
      locked.release();
    }
    await watch.until(id, ['completed', 'failed', 'stopped']);
    await watch.stop();
    // One request per step, none aborted or sent twice; each step ran once, and the log reads in order.
    expect(fake.requests.length - first + 1).toBe(3);
    expect(await rows(id)).toEqual([
      { step_id: 'draft', status: 'completed', attempt: 1 },
      { step_id: 'review', status: 'completed', attempt: 1 },
      { step_id: 'publish', status: 'completed', attempt: 1 },
    ]);
    expect(await events(id)).toEqual([
      'execution.running',
      'step.started draft',
      'step.completed draft',
      'step.started review',
      'step.completed review',
      'step.started publish',
      'step.completed publish',
      'execution.completed',
    ]);
    const output = await t.app.database.pool.query<{ output: string }>('SELECT output FROM executions WHERE id = $1', [id]);
    expect(output.rows[0].output).toBe('answer to Publish this review: answer to Review this draft: the draft');
  });

  it("starts early within the run's own budget when the next step's worst case fits what is left, and never sends one that does not", async () => {
    const watch = await watchExecutions(t);
    // Room for all three: the review's request goes out while the draft's record waits for the lock.
    const roomy = await startHeld({ budgetTokens: 1000 });
    const locked = await holdExecutionLock(t, roomy.id);
    let review: LoggedRequest;
    try {
      answerDraft();
      review = await fake.request(roomy.first + 1);
      expect(lastUserText(review)).toBe('Review this draft: the draft');
    } finally {
      await locked.query('COMMIT');
      locked.release();
    }
    await watch.until(roomy.id, ['completed', 'failed', 'stopped', 'budget_exhausted']);
    const spent = (await t.request(Spent, { id: roomy.id })).body.data!.execution!;
    expect(spent).toEqual({ status: 'COMPLETED', spend: { tokens: 3 * (USAGE.input + USAGE.output), reservedTokens: 0 } });

    // Room for the draft's worst case but, once it has spent 30, not for the review's: no review
    // request is ever sent, early or not.
    const [draftWorst, reviewWorst] = [fake.requests[roomy.first - 1], review].map(worstCase);
    expect(draftWorst).toBeLessThan(reviewWorst);
    const tight = await startHeld({ budgetTokens: reviewWorst + 29 });
    answerDraft();
    await watch.until(tight.id, ['completed', 'failed', 'stopped', 'budget_exhausted']);
    await watch.stop();
    expect((await t.request(Spent, { id: tight.id })).body.data!.execution).toEqual({ status: 'BUDGET_EXHAUSTED', spend: { tokens: 30, reservedTokens: 0 } });
    expect(fake.requests.length - tight.first + 1).toBe(1);
  });

  it('aborts the early request when the record finds the execution changed, and records nothing of it', async () => {
    const { id, first } = await startHeld({ hang: true });
    const locked = await holdExecutionLock(t, id);
    try {
      answerDraft();
      await fake.request(first + 1);
      // Meanwhile the draft's attempt is superseded (as when its worker is taken for dead and the step is started again elsewhere).
      await locked.query(`UPDATE step_runs SET attempt = attempt + 1, status = 'pending', worker_id = NULL WHERE execution_id = $1 AND step_id = 'draft'`, [id]);
    } finally {
      await locked.query('COMMIT');
      locked.release();
    }
    // The record of the old attempt records nothing and claims nothing, so the review's early request is aborted.
    await fake.requests[first].aborted;
    expect(await rows(id)).toEqual([
      { step_id: 'draft', status: 'pending', attempt: 2 },
      { step_id: 'review', status: 'pending', attempt: 0 },
      { step_id: 'publish', status: 'pending', attempt: 0 },
    ]);
    expect(await events(id)).toEqual(['execution.running', 'step.started draft']);
    expect(fake.requests.length - first + 1).toBe(2);
  });
});
