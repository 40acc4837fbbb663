import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Events } from '../../src/store/events.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { until } from '../support/until.ts';
import { executionEvents } from '../../src/engine/event-stream.ts';
import { ADVANCE_CONCURRENCY } from '../../src/workers/engine-workers.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';

type Event = Events['executionEvent'];

const Refine = graphql(`
  mutation AttemptsRefine($id: ID!) {
    refineExecution(id: $id, prompt: "Shorter.") {
      __typename
    }
  }
`);

/** Resolves at the execution's first stored or live event of `type`. */
async function eventOf(t: TestApp, id: string, type: string): Promise<void> {
  for await (const event of executionEvents(t.app.database.db, t.app.pubsub, id, 0)) if (event.type === type) return;
}

const markdown = readFileSync(new URL('../../docs/examples/workflows/relay.md', import.meta.url), 'utf8');

const fanOut = `# Items
## Inputs
- items: Things (string[], required)
## Agents
### Worker
Works.
Model: Haiku
## Steps
### Each
Agent: Worker
For each: inputs.items
Retries: 1
Retry delay: 1s
Item {{item}}.
`;

// When a step's result is recorded, the step that follows is claimed in the same transaction and
// its model call starts while that transaction commits. These tests hold the commit back with a
// row lock taken by another connection, as a busy database would.
describe('a claim and its commit', () => {
  const fake = new FakeAnthropic();
  let t: TestApp;
  let locker: pg.Client;

  beforeAll(async () => {
    await fake.start();
    t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
    locker = new pg.Client({ connectionString: t.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await t?.stop();
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  /** Starts a run whose first answer waits for `release`, with every event published for it collected until it completes. */
  async function startHeld(replies: (index: number) => object) {
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    fake.reply = (_, index) => (index === 0 ? { text: 'one two', after: first } : replies(index));
    const id = await startExecutionId(t, await createWorkflowId(t, markdown));
    const live = t.app.pubsub.subscribe('executionEvent', id);
    await live.ready;
    const events: Event[] = [];
    const completed = (async () => {
      for await (const event of live) {
        events.push(event);
        if (event.type === 'execution.completed') break;
      }
    })();
    await fake.request(1);
    // The second step's row is locked, so the transaction that claims it cannot commit yet.
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM step_runs WHERE execution_id = $1 AND step_id = 'second' FOR UPDATE`, [id]);
    release();
    return { id, events, completed };
  }

  const stepRows = async (id: string) =>
    (await t.app.database.pool.query<{ step_id: string; status: string; attempt: number }>(`SELECT step_id, status, attempt FROM step_runs WHERE execution_id = $1 ORDER BY position`, [id])).rows;

  it("starts the next step's model call before its claim commits, and streams its text only after its step.started", async () => {
    const { id, events, completed } = await startHeld(() => ({ text: 'three four five' }));
    const second = await fake.request(2);
    await second.answered;
    // The call ran while the claim waits: nothing of it is committed or published yet.
    expect((await stepRows(id)).map((row) => row.status)).toEqual(['running', 'pending']);
    expect(events.filter((event) => event.payload.stepId === 'second')).toEqual([]);

    await locker.query('COMMIT');
    await completed;
    const ofSecond = events.filter((event) => event.payload.stepId === 'second').map((event) => (event.type === 'step.token' ? `token ${event.payload.text}` : event.type));
    expect(ofSecond).toEqual(['step.started', 'token three ', 'token four ', 'token five', 'step.completed']);
    expect(fake.requests).toHaveLength(2);
  });

  it('aborts the model call of a claim that did not commit, and runs the step it was recording again', async () => {
    const { id, events, completed } = await startHeld((index) => (index === 1 ? { hang: true } : { text: `answer ${index}` }));
    const second = await fake.request(2);
    // The transaction recording the first step and claiming the second loses its connection, once it
    // waits for the lock (the second step's request may go out before it has begun: engine/early-start.ts).
    const ended = await until(
      async () =>
        (
          await locker.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'`,
          )
        ).rows[0],
      { what: 'the record waiting for the lock', everyMs: 5 },
    );
    expect(ended).toEqual({ pg_terminate_backend: true });
    await locker.query('ROLLBACK');
    await second.aborted;

    // The first step's answer was never recorded: the worker gives the step back, and it runs again.
    await completed;
    expect(fake.requests.map((request) => request.body.messages[0].content)).toEqual(['Say the first thing.', 'Say the second thing.', 'Say the first thing.', 'Say the second thing.']);
    expect(await stepRows(id)).toEqual([
      { step_id: 'first', status: 'completed', attempt: 2 },
      { step_id: 'second', status: 'completed', attempt: 1 },
    ]);
    const stored = await t.app.database.pool.query<{ type: string; step: string | null }>(`SELECT type, payload->>'stepId' AS step FROM execution_events WHERE execution_id = $1 ORDER BY seq`, [id]);
    expect(stored.rows.map((event) => `${event.type} ${event.step ?? ''}`.trim())).toEqual([
      'execution.running',
      'step.started first',
      'step.recovered first',
      'step.started first',
      'step.completed first',
      'step.started second',
      'step.completed second',
      'execution.completed',
    ]);
    expect(events.filter((event) => event.type === 'step.token' && event.payload.stepId === 'second').map((event) => event.payload.text)).toEqual(['answer ', '3']);
  });

  it('starts more executions than the worker has job slots while the first ones still wait on their models', async () => {
    let release!: () => void;
    const answers = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'done', after: answers });
    const workflowId = await createWorkflowId(t, markdown);
    const runs = ADVANCE_CONCURRENCY + 5;
    const ids: string[] = [];
    for (let n = 0; n < runs; n++) ids.push(await startExecutionId(t, workflowId));
    // A job ends once its claim commits, so every execution's first model call is made though none has answered.
    await fake.request(runs);
    release();
    for (const id of ids) {
      for await (const event of executionEvents(t.app.database.db, t.app.pubsub, id, 0)) if (event.type === 'execution.completed') break;
    }
    expect(fake.requests).toHaveLength(runs * 2);
  });
  it('records items that answer at once together, completions and failures to retry alike', async () => {
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    const failOnce = new Set(['item 1', 'item 3']);
    fake.reply = (request) => {
      const item = /^Item (.+)\.$/.exec(lastUserText(request))![1];
      if (failOnce.delete(item)) return { error: { status: 400, type: 'invalid_request_error', message: `no ${item}` }, after: together };
      return { text: `done ${item}`, after: together };
    };
    const items = ['item 0', 'item 1', 'item 2', 'item 3', 'item 4', 'item 5'];
    const id = await startExecutionId(t, await createWorkflowId(t, fanOut), { items });
    await fake.request(items.length);
    release();
    await eventOf(t, id, 'execution.completed');
    const rows = (await t.app.database.pool.query<{ item_index: number; status: string; attempt: number; output: string }>(`SELECT item_index, status, attempt, output FROM step_runs WHERE execution_id = $1 AND item_index >= 0 ORDER BY item_index`, [id])).rows;
    expect(rows).toEqual(items.map((item, index) => ({ item_index: index, status: 'completed', attempt: index === 1 || index === 3 ? 2 : 1, output: `done ${item}` })));
    const retried = (await t.app.database.pool.query<{ item: number }>(`SELECT (payload->>'itemIndex')::int AS item FROM execution_events WHERE execution_id = $1 AND type = 'step.retrying' ORDER BY 1`, [id])).rows;
    expect(retried).toEqual([{ item: 1 }, { item: 3 }]);
    expect(fake.requests).toHaveLength(items.length + 2);
  });

});

describe('a worker that stops', () => {
  it('gives a model call the grace period, then leaves its step to the next worker, which runs it', async () => {
    const fake = await new FakeAnthropic().start();
    const env = { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url };
    fake.reply = () => ({ hang: true });
    const first = await startTestApp({ env, shutdownGraceMs: 100 });
    const id = await startExecutionId(first, await createWorkflowId(first, markdown));
    const call = await fake.request(1);
    // The model does not answer within the grace: the stop cuts the call and records nothing.
    await first.stop();
    await call.aborted;
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const left = await client.query(`SELECT status, attempt FROM step_runs WHERE execution_id = $1 AND step_id = 'first'`, [id]);
    await client.end();
    expect(left.rows).toEqual([{ status: 'running', attempt: 1 }]);

    fake.reply = () => ({ text: 'done' });
    const second = await startTestApp({ databaseUrl: first.databaseUrl, env });
    try {
      await eventOf(second, id, 'execution.completed');
      const types = (await second.app.database.pool.query<{ type: string }>(`SELECT type FROM execution_events WHERE execution_id = $1 ORDER BY seq`, [id])).rows.map((row) => row.type);
      expect(types).toContain('step.recovered');
      expect(types).not.toContain('step.failed');
    } finally {
      await second.stop();
      await fake.close();
    }
  });

  it('cuts a refinement short the same way, and the next worker refines', async () => {
    const fake = await new FakeAnthropic().start();
    const env = { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url };
    const first = await startTestApp({ env, shutdownGraceMs: 100 });
    const id = await startExecutionId(first, await createWorkflowId(first, markdown));
    await eventOf(first, id, 'execution.completed');
    fake.reply = () => ({ hang: true });
    expect((await first.request(Refine, { id })).body.data!.refineExecution.__typename).toBe('Execution');
    const call = await fake.request(3);
    await first.stop();
    await call.aborted;

    fake.reply = () => ({ text: 'Short.' });
    const second = await startTestApp({ databaseUrl: first.databaseUrl, env });
    try {
      await eventOf(second, id, 'refine.completed');
      const execution = await second.app.database.db.execution.findUniqueOrThrow({ where: { id } });
      expect(execution).toMatchObject({ output: 'Short.', version: 2, refineStatus: 'completed' });
    } finally {
      await second.stop();
      await fake.close();
    }
  });
});
