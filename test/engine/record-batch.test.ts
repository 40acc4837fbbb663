import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { holdExecutionLock } from '../support/execution-lock.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { until } from '../support/until.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// The records of a fan-out's items that finish while another record of their execution is on its
// way join its transaction, in one statement per kind of outcome (engine/record.ts). Holding the
// execution's row lock from the test keeps the first record waiting, so the others gather behind it.
const FAN = `# Fan
## Inputs
- items: What to do (string[], required)
## Agents
### Worker
Works.
Model: Haiku
Max tokens: 40
## Steps
### Each
Agent: Worker
For each: inputs.items
Retries: 1
Retry delay: 10ms
Do {{item}}.
## Output
steps.each.output
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

describe("recording a fan-out's items together", () => {
  it('writes each item its own answer and usage, and retries the one that failed, whatever batch they share', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let failed = false;
    // Each item answers with its own text and usage; c's first request fails (a 400), its retry answers.
    fake.reply = (request) => {
      const item = lastUserText(request).slice('Do '.length, -1);
      const index = items.indexOf(item);
      if (item === 'c' && !failed) return ((failed = true), { error: { status: 400, type: 'invalid_request_error', message: 'not c yet' }, after: held });
      return { text: `done ${item}`, usage: { input: 10 + index, output: 20 + index }, after: held };
    };
    const watch = await watchExecutions(t);
    const first = fake.requests.length + 1;
    const id = await startExecutionId(t, await createWorkflowId(t, FAN), { items });
    await fake.request(first + items.length - 1);

    const locked = await holdExecutionLock(t, id);
    try {
      const lockerPid = (await locked.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      release();
      // One record waits for the lock (seen from another connection: a transaction sees one snapshot of pg_stat_activity); the answers read meanwhile join its transaction once it has the lock.
      await until(
        async () => (await t.app.database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE pid <> $1 AND datname = current_database() AND wait_event_type = 'Lock'`, [lockerPid])).rows[0],
        { what: 'a record waiting for the lock', everyMs: 5 },
      );
      await Promise.all(fake.requests.slice(first - 1).map((request) => request.answered));
    } finally {
      await locked.query('COMMIT');
      locked.release();
    }
    expect((await watch.until(id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
    await watch.stop();

    const rows = await t.app.database.pool.query<{ item_index: number; status: string; attempt: number; output: string; tokens_in: number; tokens_out: number; reserved_tokens: number }>(
      `SELECT item_index, status, attempt, output, tokens_in, tokens_out, reserved_tokens FROM step_runs WHERE execution_id = $1 AND item_index >= 0 ORDER BY item_index`,
      [id],
    );
    expect(rows.rows).toEqual(
      items.map((item, index) => ({ item_index: index, status: 'completed', attempt: item === 'c' ? 2 : 1, output: `done ${item}`, tokens_in: 10 + index, tokens_out: 20 + index, reserved_tokens: 0 })),
    );
    // Six requests: one per item, and c's retry.
    expect(fake.requests.length - first + 1).toBe(items.length + 1);
    const execution = await t.app.database.pool.query<{ output: string }>('SELECT output FROM executions WHERE id = $1', [id]);
    // The step's output: its items' outputs in their order, separated by `---`.
    expect(execution.rows[0].output).toBe(items.map((item) => `done ${item}`).join('\n\n---\n\n'));
    const events = await t.app.database.pool.query<{ type: string; item: string | null }>(`SELECT type, payload->>'itemIndex' AS item FROM execution_events WHERE execution_id = $1 AND type IN ('step.completed', 'step.retrying') ORDER BY seq`, [id]);
    expect(events.rows.filter((event) => event.type === 'step.retrying')).toEqual([{ type: 'step.retrying', item: '2' }]);
    expect(events.rows.filter((event) => event.type === 'step.completed' && event.item !== null).map((event) => Number(event.item)).sort()).toEqual([0, 1, 2, 3, 4]);
    // What they spent is the workspace's spend of the day, however the records were grouped.
    const spend = await t.app.database.pool.query<{ tokens: string }>('SELECT sum(tokens) AS tokens FROM tenant_spend_days WHERE tenant_id = $1', [t.tenant.tenantId]);
    expect(Number(spend.rows[0].tokens)).toBe(rows.rows.reduce((sum, row) => sum + row.tokens_in + row.tokens_out, 0));
  });
});
