import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { fireSchedule, reconcileSchedules } from '../../src/triggers/schedules.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { RedisServer } from '../support/redis-server.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId } from '../support/runs.ts';

// Two processes' worth of workers on one database (their events meeting in a Redis of the test's
// own, as in a deployment), pg-boss checking schedules every second.
const FAST = { BATON_SCHEDULE_CHECK_SECONDS: '1' };
let redis: RedisServer;
let t: TestApp;
let second: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
beforeAll(async () => {
  redis = await RedisServer.start();
  t = await startTestApp({ env: FAST, redisUrl: redis.url });
  second = await startTestApp({ databaseUrl: t.databaseUrl, role: 'worker', env: FAST, redisUrl: redis.url });
  watch = await watchExecutions(t);
});
afterAll(async () => {
  await watch.stop();
  await second.stop();
  await t.stop();
  await redis.kill();
});

const markdown = (inputs = '- topic: What to write about (string, default: "tides")') => `# Daily note
Writes a note.
## Inputs
${inputs}
## Agents
### Writer
Writes.
Model: offline
## Steps
### Write
Agent: Writer
Write about {{inputs.topic}}.
`;

const ScheduleFields = graphql(`
  fragment TestScheduleFields on Schedule { id workflowId recipeId cron timezone inputs enabled maxFailures pausedAt pausedReason nextFireTimes }
`);
const CreateSchedule = graphql(`
  mutation TestCreateSchedule($input: ScheduleInput!) {
    createSchedule(input: $input) {
      __typename
      ... on Schedule { ...TestScheduleFields }
      ... on Error { code detail }
    }
  }
`);
const UpdateSchedule = graphql(`
  mutation TestUpdateSchedule($id: ID!, $patch: SchedulePatch!) {
    updateSchedule(id: $id, patch: $patch) {
      __typename
      ... on Schedule { ...TestScheduleFields }
      ... on Error { code detail }
    }
  }
`);
const DeleteSchedule = graphql(`
  mutation TestDeleteSchedule($id: ID!) {
    deleteSchedule(id: $id) { __typename ... on Error { code } }
  }
`);
const Schedules = graphql(`
  query TestSchedules($workflowId: ID, $recipeId: ID) {
    schedules(workflowId: $workflowId, recipeId: $recipeId) { ...TestScheduleFields }
  }
`);
const UpdateWorkflow = graphql(`
  mutation TestScheduleUpdateWorkflow($id: ID!, $markdown: String!) {
    updateWorkflow(id: $id, markdown: $markdown) { __typename }
  }
`);
const RunWorkflow = graphql(`
  mutation TestScheduleRun($workflowId: ID!, $inputs: JSON) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs) { __typename ... on Execution { id } }
  }
`);

type ScheduleResult = { __typename: string; id?: string; detail?: string; [field: string]: unknown };
async function create(input: Record<string, unknown>): Promise<ScheduleResult> {
  return (await t.request(CreateSchedule, { input: input as never })).body.data!.createSchedule as ScheduleResult;
}

/** The deps a worker fires with (the test fires by hand where waiting for minutes would be needed). */
const fireDeps = (app: TestApp) => ({ ...app.app.engine, models: app.app.models });
const pgbossSchedules = async () => (await t.app.database.pool.query<{ name: string }>('SELECT name FROM pgboss.schedule ORDER BY name')).rows.map((row) => row.name);

describe('schedules', () => {
  it('checks cron, time zone, inputs and maxFailures at save time, naming each field', async () => {
    const workflowId = await createWorkflowId(t, markdown('- topic: What to write about (string, required)'));
    const bad = await create({ workflowId, cron: '61 * * *', timezone: 'Mars/Olympus', maxFailures: 0, inputs: { topic: 3, extra: true } });
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.detail).toMatch(/^cron: "61 \* \* \*" is no cron expression: it has 4 fields/);
    expect(bad.detail).toMatch(/timezone: "Mars\/Olympus" is no time zone/);
    expect(bad.detail).toMatch(/maxFailures: .* from 1 to 1000, not 0/);
    expect(bad.detail).toMatch(/inputs: .*topic/);
    expect(bad.detail).toMatch(/inputs: .*extra/);
    expect((await create({ workflowId, cron: '61 * * * *', inputs: { topic: 'x' } })).detail).toMatch(/^cron: "61 \* \* \* \*" is no cron expression: .*61/);
    expect((await create({ workflowId, cron: '0 9 * * *' })).detail).toMatch(/inputs: .*topic/);
    expect((await create({ workflowId: 'wf_nope', cron: '0 9 * * *' })).__typename).toBe('NotFoundError');
  });

  it('shows the next five fire times in the schedule\'s time zone, and registers it with pg-boss', async () => {
    const workflowId = await createWorkflowId(t, markdown());
    const created = await create({ workflowId, cron: '30 9 * * 1-5', timezone: 'Europe/Paris', inputs: { topic: 'markets' } });
    expect(created).toMatchObject({ __typename: 'Schedule', cron: '30 9 * * 1-5', timezone: 'Europe/Paris', enabled: true, maxFailures: 5, pausedAt: null });
    const fires = (created.nextFireTimes as string[]).map((at) => new Date(at));
    expect(fires).toHaveLength(5);
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    for (const at of fires) expect(paris.format(at)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
    expect(fires.every((at, i) => i === 0 || at > fires[i - 1])).toBe(true);
    expect(await pgbossSchedules()).toContain(`baton-schedule.${created.id}`);

    const disabled = (await t.request(UpdateSchedule, { id: created.id!, patch: { enabled: false } })).body.data!.updateSchedule as ScheduleResult;
    expect(disabled).toMatchObject({ enabled: false, nextFireTimes: [] });
    expect(await pgbossSchedules()).not.toContain(`baton-schedule.${created.id}`);
    expect((await t.request(DeleteSchedule, { id: created.id! })).body.data!.deleteSchedule.__typename).toBe('Schedule');
    expect((await t.request(Schedules, { workflowId })).body.data!.schedules).toEqual([]);
  });

  it('fires through pg-boss\'s scheduler: one execution per fire with two worker processes, triggered_by cron', async () => {
    const workflowId = await createWorkflowId(t, markdown());
    const updates = t.app.pubsub.subscribe('executionUpdated', t.tenant.tenantId);
    await updates.ready;
    const created = await create({ workflowId, cron: '* * * * *', inputs: { topic: 'clocks' } });
    let executionId: string | undefined;
    for await (const update of updates) {
      if (update.workflowId === workflowId && update.status === 'running') {
        executionId = update.executionId;
        break;
      }
    }
    await updates.return?.();
    await watch.until(executionId!, ['completed']);
    await t.request(UpdateSchedule, { id: created.id!, patch: { enabled: false } });

    const { rows } = await t.app.database.pool.query<{ fires: number; executions: number; cron: number }>(
      `SELECT (SELECT count(*)::int FROM schedule_fires f WHERE f.execution_id IN (SELECT id FROM executions WHERE workflow_id = $1)) AS fires,
              (SELECT count(*)::int FROM executions WHERE workflow_id = $1) AS executions,
              (SELECT count(*)::int FROM executions WHERE workflow_id = $1 AND triggered_by = 'cron') AS cron`,
      [workflowId],
    );
    // A minute boundary may pass while the test runs: then there were two fires, each with one execution.
    expect(rows[0].executions).toBe(rows[0].fires);
    expect(rows[0].cron).toBe(rows[0].executions);
    expect(rows[0].executions).toBeGreaterThanOrEqual(1);

    // The same fire delivered to both processes at once still starts one execution.
    const again = await create({ workflowId, cron: '0 0 1 1 *', inputs: { topic: 'new year' } });
    const at = new Date('2031-01-01T00:00:30Z');
    const outcomes = await Promise.all([fireSchedule(fireDeps(t), again.id!, at), fireSchedule(fireDeps(second), again.id!, at), fireSchedule(fireDeps(t), again.id!, at)]);
    expect(outcomes.map((fired) => fired.outcome).sort()).toEqual(['duplicate', 'duplicate', 'started']);
  });

  it('pauses itself after maxFailures failed runs in a row, with the reason; a manual success or an update resumes it', async () => {
    const workflowId = await createWorkflowId(t, markdown());
    const created = await create({ workflowId, cron: '0 * * * *', maxFailures: 2, inputs: {} });
    // The workflow now needs an input the schedule does not give: its runs cannot start.
    expect((await t.request(UpdateWorkflow, { id: workflowId, markdown: markdown('- topic: What to write about (string, required)') })).body.data!.updateWorkflow.__typename).toBe('Workflow');
    const hour = (n: number) => new Date(Date.UTC(2030, 0, 1, n, 0, 5));
    expect(await fireSchedule(fireDeps(t), created.id!, hour(1))).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/topic/) });
    expect(await fireSchedule(fireDeps(t), created.id!, hour(2))).toMatchObject({ outcome: 'failed' });
    const [paused] = (await t.request(Schedules, { workflowId })).body.data!.schedules;
    expect(paused.pausedAt).not.toBeNull();
    expect(paused.pausedReason).toMatch(/^Paused after 2 consecutive failed scheduled runs; the last: Invalid inputs: .*topic/);
    expect(await fireSchedule(fireDeps(t), created.id!, hour(3))).toEqual({ outcome: 'paused' });

    // A successful manual run resumes it at the next fire.
    const run = (await t.request(RunWorkflow, { workflowId, inputs: { topic: 'by hand' } })).body.data!.runWorkflow as { id: string };
    await watch.until(run.id, ['completed']);
    expect(await fireSchedule(fireDeps(t), created.id!, hour(4))).toMatchObject({ outcome: 'failed' });
    expect((await t.request(Schedules, { workflowId })).body.data!.schedules[0].pausedAt).toBeNull();
    expect(await fireSchedule(fireDeps(t), created.id!, hour(5))).toMatchObject({ outcome: 'failed' });
    expect(await fireSchedule(fireDeps(t), created.id!, hour(6))).toEqual({ outcome: 'paused' });

    // An update resumes it too, and its runs start again.
    const fixed = (await t.request(UpdateSchedule, { id: created.id!, patch: { inputs: { topic: 'fixed' } } })).body.data!.updateSchedule as ScheduleResult;
    expect(fixed).toMatchObject({ pausedAt: null, pausedReason: null, inputs: { topic: 'fixed' } });
    const fired = await fireSchedule(fireDeps(t), created.id!, hour(7));
    expect(fired.outcome).toBe('started');
    await watch.until((fired as { executionId: string }).executionId, ['completed']);
  });

  it('gives recipes a schedule from schedule_config type cron, kept in step with it', async () => {
    const agent = (await rest(t, 'POST', '/api/agents', { name: 'Writer', description: 'Writes.', model: 'offline' })).body.id;
    const recipe = (schedule: unknown) => ({
      template_id: 'nightly',
      name: 'Nightly',
      steps: [{ step_id: 'write', order: 1, agent_id: agent, prompt_template: 'Write.' }],
      schedule_config: schedule,
    });
    const bad = await rest(t, 'POST', '/api/workflow-recipes', recipe({ type: 'cron', cron_expression: '0 25 * * *' }));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/schedule_config\.cron_expression: "0 25 \* \* \*" is no cron expression/);

    const created = await rest(t, 'POST', '/api/workflow-recipes', recipe({ type: 'cron', cron_expression: '0 2 * * *', timezone: 'Asia/Tokyo' }));
    expect(created.status).toBe(201);
    const recipeId = created.body.id;
    const [schedule] = (await t.request(Schedules, { recipeId })).body.data!.schedules;
    expect(schedule).toMatchObject({ recipeId, workflowId: null, cron: '0 2 * * *', timezone: 'Asia/Tokyo' });
    expect(new Date(schedule.nextFireTimes[0] as string).getUTCHours()).toBe(17);
    expect(await pgbossSchedules()).toContain(`baton-schedule.${schedule.id}`);
    expect((await t.request(UpdateSchedule, { id: schedule.id, patch: { cron: '0 3 * * *' } })).body.data!.updateSchedule).toMatchObject({ detail: expect.stringMatching(/schedule_config/) });

    const fired = await fireSchedule(fireDeps(t), schedule.id, new Date());
    expect(fired.outcome).toBe('started');
    const executionId = (fired as { executionId: string }).executionId;
    await watch.until(executionId, ['completed']);
    expect((await rest(t, 'GET', `/api/workflow-recipes/nightly/executions/${executionId}`)).body.triggered_by).toBe('cron');

    await rest(t, 'PUT', '/api/workflow-recipes/nightly', { schedule_config: { type: 'cron', cron_expression: '15 4 * * 0' } });
    expect((await t.request(Schedules, { recipeId })).body.data!.schedules).toMatchObject([{ id: schedule.id, cron: '15 4 * * 0', timezone: 'UTC' }]);
    await rest(t, 'PUT', '/api/workflow-recipes/nightly', { schedule_config: { type: 'manual' } });
    expect((await t.request(Schedules, { recipeId })).body.data!.schedules).toEqual([]);
    expect(await pgbossSchedules()).not.toContain(`baton-schedule.${schedule.id}`);

    await rest(t, 'PUT', '/api/workflow-recipes/nightly', { schedule_config: { type: 'cron', cron_expression: '0 2 * * *' } });
    const [again] = (await t.request(Schedules, { recipeId })).body.data!.schedules;
    expect(await pgbossSchedules()).toContain(`baton-schedule.${again.id}`);
    expect((await rest(t, 'DELETE', '/api/workflow-recipes/nightly')).status).toBe(200);
    expect(await pgbossSchedules()).not.toContain(`baton-schedule.${again.id}`);
  });

  it('schedules, at a worker\'s start, cron recipes saved without a schedule', async () => {
    const agent = (await rest(t, 'POST', '/api/agents', { name: 'Early', description: 'Writes.', model: 'offline' })).body.id;
    const created = await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'early', name: 'Early', steps: [{ step_id: 'a', order: 1, agent_id: agent, prompt_template: 'Go.' }], schedule_config: { type: 'cron', cron_expression: '0 6 * * *' } });
    const [schedule] = (await t.request(Schedules, { recipeId: created.body.id })).body.data!.schedules;
    // As a recipe saved before schedules existed: no schedule row, nothing registered.
    expect((await t.request(DeleteSchedule, { id: schedule.id })).body.data!.deleteSchedule).toMatchObject({ __typename: 'ValidationError' });
    await t.app.database.pool.query('DELETE FROM schedules WHERE id = $1', [schedule.id]);
    expect((await t.request(Schedules, { recipeId: created.body.id })).body.data!.schedules).toEqual([]);
    await reconcileSchedules(t.app.engine);
    const [restored] = (await t.request(Schedules, { recipeId: created.body.id })).body.data!.schedules;
    expect(restored).toMatchObject({ cron: '0 6 * * *', timezone: 'UTC' });
    expect(await pgbossSchedules()).toContain(`baton-schedule.${restored.id}`);
  });
});
