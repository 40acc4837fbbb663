import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyTallies, talliesOf, totalsByKind, utcDay } from '../../src/library/execution-tallies.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { createTestDatabase } from '../support/database.ts';

// The tallies are kept by the database (a deferred trigger on executions), whoever writes: these
// tests write executions as plain SQL, in concurrent transactions, and compare the tallies with
// what counting the executions themselves says.

let database: Database;
let tenantId: string;
const WORKFLOWS = ['wf_tally_a', 'wf_tally_b'];
const RECIPES = ['rcp_tally_a', 'rcp_tally_b', 'rcp_tally_gone'];

beforeAll(async () => {
  database = openDatabase(await createTestDatabase());
  tenantId = (await createTenant(database.db, 'tallies')).tenantId;
  for (const id of WORKFLOWS) {
    await database.pool.query(`INSERT INTO workflows (id, tenant_id, name, description, markdown, plan) VALUES ($1, $2, $1, '', '', '{}')`, [id, tenantId]);
  }
});
afterAll(() => database.close());

let serial = 0;
async function insert(source: string, status: string, createdAt: Date, completedAt: Date | null = null, sql: pg.Pool | pg.PoolClient = database.pool) {
  const id = `exec_tally_${serial++}`;
  const workflow = source.startsWith('wf_') ? source : null;
  await sql.query(
    `INSERT INTO executions (id, tenant_id, workflow_id, recipe_id, workflow_name, plan, inputs, status, steps_total, output_type, created_at, completed_at)
     VALUES ($1, $2, $3, $4, 'x', '{}', '{}', $5, 1, 'text', $6, $7)`,
    [id, tenantId, workflow, workflow ? null : source, status, createdAt, completedAt],
  );
  return id;
}

/** What counting the executions says, per source and per (UTC day, kind). */
async function truth() {
  const { rows: bySource } = await database.pool.query(
    `SELECT COALESCE(workflow_id, recipe_id) AS source, count(*)::int AS started, count(*) FILTER (WHERE status = 'completed')::int AS completed,
       count(*) FILTER (WHERE status = 'failed')::int AS failed, count(*) FILTER (WHERE status = 'stopped')::int AS stopped,
       COALESCE(sum(round(extract(epoch FROM completed_at - created_at) * 1000)) FILTER (WHERE status = 'completed'), 0)::float8 AS "completedMs"
     FROM executions WHERE tenant_id = $1 GROUP BY 1`,
    [tenantId],
  );
  const { rows: byDay } = await database.pool.query(
    `SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, count(*)::int AS started, count(*) FILTER (WHERE status = 'completed')::int AS completed
     FROM executions WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
    [tenantId],
  );
  return { bySource, byDay };
}

async function expectTalliesTrue() {
  const { bySource, byDay } = await truth();
  const tallies = await talliesOf(database.db, tenantId, [...WORKFLOWS, ...RECIPES]);
  for (const { source, ...counts } of bySource) expect(tallies.get(source), source).toEqual(counts);
  const first = byDay[0].day as Date;
  const days = Math.round((utcDay(new Date()).getTime() - first.getTime()) / 86_400_000) + 1;
  const daily = (await dailyTallies(database.db, tenantId, days, new Date())).filter((day) => day.started > 0);
  expect(daily.map(({ day, started, completed }) => ({ day, started, completed }))).toEqual(byDay);
  const totals = await totalsByKind(database.db, tenantId);
  expect(totals.markdown.started + totals.recipe.started).toBe(bySource.reduce((sum, row) => sum + row.started, 0));
}

describe('execution tallies', () => {
  it('agree with the executions after concurrent starts, status changes, repeated finishes and rollbacks', async () => {
    const now = Date.now();
    // 40 executions started at once, from 8 connections, over 4 days.
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) => insert([...WORKFLOWS, ...RECIPES][i % 5], 'running', new Date(now - (i % 4) * 86_400_000 - i * 1000))),
    );
    // Some wait for approval and run again, then all finish, at once: each status change in its own transaction.
    await Promise.all(ids.slice(0, 10).map((id) => database.pool.query(`UPDATE executions SET status = 'awaiting_approval' WHERE id = $1`, [id])));
    await Promise.all(ids.slice(0, 5).map((id) => database.pool.query(`UPDATE executions SET status = 'running' WHERE id = $1`, [id])));
    const ending = ['completed', 'completed', 'failed', 'stopped'];
    await Promise.all(
      ids.slice(0, 36).map((id, i) =>
        database.pool.query(`UPDATE executions SET status = $2, completed_at = created_at + ($3 || ' milliseconds')::interval WHERE id = $1`, [id, ending[i % 4], 100 * i + 7]),
      ),
    );
    // Writing a finished status again (a repeated record) counts nothing more.
    await database.pool.query(`UPDATE executions SET status = status WHERE id = ANY($1)`, [ids.slice(0, 36)]);
    // Inserted already finished (a test's fixture, a repair by hand): started and finished at once.
    await insert('rcp_tally_gone', 'completed', new Date(now - 1000), new Date(now - 400));
    // A transaction that rolls back leaves nothing behind.
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      await insert('wf_tally_a', 'running', new Date(), null, client);
      await client.query(`UPDATE executions SET status = 'completed', completed_at = now() WHERE id = $1`, [ids[39]]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await expectTalliesTrue();
    expect((await talliesOf(database.db, tenantId, ['rcp_tally_gone'])).get('rcp_tally_gone')).toEqual({ started: 9, completed: 5, failed: 2, stopped: 1, completedMs: expect.any(Number) });
  });

  it('count an execution on the UTC day it started, whenever it finishes', async () => {
    const midnight = utcDay(new Date(Date.now() - 20 * 86_400_000));
    const before = await insert('wf_tally_b', 'running', new Date(midnight.getTime() - 1));
    await insert('wf_tally_b', 'running', midnight);
    await database.pool.query(`UPDATE executions SET status = 'completed', completed_at = now() WHERE id = $1`, [before]);
    const [eve, day] = await dailyTallies(database.db, tenantId, 2, midnight);
    expect(eve).toMatchObject({ day: new Date(midnight.getTime() - 86_400_000), started: 1, completed: 1 });
    expect(day).toMatchObject({ day: midnight, started: 1, completed: 0 });
    await expectTalliesTrue();
  });
});
