import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// dailyCosts: the workspace's last days, read from the per-day tallies the engine's triggers keep.

const DailyCosts = graphql(`
  query TestDailyCosts($days: Int) {
    dailyCosts(days: $days) { date runs costUsd tokens }
  }
`);

const StepCosts = graphql(`
  query TestStepCosts($id: ID!) {
    execution(id: $id) { steps { costUsd tokens { input output } } }
  }
`);

const NOTE = `# Costed note
## Agents
### Writer
Writes.
Model: Sonnet
## Steps
### First
Agent: Writer
Write a line.
### Second
Agent: Writer
Improve it: {{steps.first.output}}
`;

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t?.stop();
  await fake.close();
});

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

describe('dailyCosts', () => {
  it('gives each of the last 30 days (zeros included) the runs started and what their model calls cost, for this workspace only', async () => {
    fake.reply = () => ({ text: 'A line.', usage: { input: 1000, output: 500 } });
    const watch = await watchExecutions(t);
    const workflowId = await createWorkflowId(t, NOTE);
    const ids = [await startExecutionId(t, workflowId), await startExecutionId(t, workflowId), await startExecutionId(t, workflowId)];
    for (const id of ids) await watch.until(id, ['completed']);
    await watch.stop();
    // What the tallies hold of three days ago: a run, and what it spent.
    await t.app.database.pool.query(
      `INSERT INTO execution_days (tenant_id, day, kind, shard, started, completed)
       SELECT $1, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days', 'markdown', 0, 1, 1`,
      [t.tenant.tenantId],
    );
    await t.app.database.pool.query(
      `INSERT INTO tenant_spend_days (tenant_id, day, shard, usd, tokens) SELECT $1, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days', 0, 0.5, 3000`,
      [t.tenant.tenantId],
    );
    // Another workspace's run is not counted.
    const other = await createTenant(t.app.database.db, 'other');
    await startExecutionId(t, await createWorkflowId(t, NOTE, credentialsOf(other)), {}, credentialsOf(other));

    const perRun = (await t.request(StepCosts, { id: ids[0] })).body.data!.execution!.steps;
    const runCost = perRun.reduce((sum, step) => sum + step.costUsd, 0);
    expect(runCost).toBeGreaterThan(0);

    const { status, body } = await t.request(DailyCosts, {});
    expect(status).toBe(200);
    const days = body.data!.dailyCosts;
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.date).toBe(today());
    expect(days[0].date).toBe(daysAgo(29));
    const byDate = new Map(days.map((day) => [day.date, day]));
    expect(byDate.get(today())).toMatchObject({ runs: 3, tokens: 3 * 2 * 1500 });
    expect(byDate.get(today())!.costUsd).toBeCloseTo(3 * runCost, 10);
    expect(byDate.get(daysAgo(3))).toEqual({ date: daysAgo(3), runs: 1, tokens: 3000, costUsd: 0.5 });
    expect(days.filter((day) => day.runs === 0)).toHaveLength(28);
    expect(days.filter((day) => day.runs === 0).every((day) => day.costUsd === 0 && day.tokens === 0)).toBe(true);

    // Fewer days: the one three days ago falls outside two.
    const two = (await t.request(DailyCosts, { days: 2 })).body.data!.dailyCosts;
    expect(two.map((day) => day.runs)).toEqual([0, 3]);
  });

  it.each([0, -1, 367])('refuses %i days with a 400 naming the range', async (days) => {
    const { status, body } = await t.request(DailyCosts, { days });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message: 'Bad request', extensions: { code: 'BAD_REQUEST', detail: `dailyCosts(days:) must be from 1 to 366, got ${days}` } });
  });
});
