import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant, type NewTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId } from '../support/runs.ts';

// The recipe API's dashboards through real HTTP. Each test works in a workspace of its own.
// Executions run for real (app `t`) where a test needs what the engine does; where it needs many
// states or past days, they are inserted as rows the engine would have written, in an app with no
// worker (`api`), whose rows no worker picks up (a worker would take inserted running steps for
// orphans and run them).

let t: TestApp;
let api: TestApp;
const statements: string[] = [];
beforeAll(async () => {
  [t, api] = await Promise.all([startTestApp(), startTestApp({ role: 'api', onQuery: (sql) => statements.push(sql) })]);
});
afterAll(() => Promise.all([t.stop(), api.stop()]));

const RECIPES = '/api/workflow-recipes';
const relay = readFileSync(new URL('../../docs/examples/workflows/relay.md', import.meta.url), 'utf8');

/** A workspace of its own in `app`, with an offline agent, and a REST caller for it. */
async function workspace(app: TestApp, name: string) {
  const tenant = await createTenant(app.app.database.db, name);
  const call = (method: string, path: string, body?: unknown) => rest(app, method, path, body, credentialsOf(tenant));
  const agent = (await call('POST', '/api/agents', { name: 'Writer', description: 'Writes.', model: 'offline' })).body.id as string;
  const recipe = async (templateId: string, steps: Record<string, unknown>[], extra: Record<string, unknown> = {}) => {
    const created = await call('POST', RECIPES, { template_id: templateId, name: `Recipe ${templateId}`, steps: steps.map((step, i) => ({ order: i + 1, agent_id: agent, ...step })), ...extra });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; template_id: string };
  };
  return { tenant, call, agent, recipe, headers: credentialsOf(tenant) };
}

interface Row {
  status: 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'budget_exhausted' | 'stopped';
  /** The steps' statuses in plan order; a step not pending has started. */
  steps: string[];
  startedAt: Date;
  durationMs?: number;
}

/** An execution as the engine would have written it, with its step rows, copying the plan of the recipe or workflow. */
async function insertExecution(tenant: NewTenant, source: { recipeId?: string; workflowId?: string }, row: Row): Promise<string> {
  const { pool } = api.app.database;
  const id = `exec_test${Math.random().toString(36).slice(2, 14)}`;
  const table = source.recipeId ? 'recipes' : 'workflows';
  const completedAt = row.durationMs === undefined ? null : new Date(row.startedAt.getTime() + row.durationMs);
  await pool.query(
    `INSERT INTO executions (id, tenant_id, workflow_id, recipe_id, workflow_name, plan, inputs, status, steps_total, output_type, created_at, completed_at)
     SELECT $1, $2, $3, $4, name, plan, '{}', $5, jsonb_array_length(plan->'steps'), 'markdown', $6, $7 FROM ${table} WHERE id = $8`,
    [id, tenant.tenantId, source.workflowId ?? null, source.recipeId ?? null, row.status, row.startedAt, completedAt, source.recipeId ?? source.workflowId],
  );
  await pool.query(
    `INSERT INTO step_runs (id, execution_id, step_id, position, status, started_at, queued_at)
     SELECT $1 || s.position, $1, s.step->>'id', s.position - 1, ($3::text[])[s.position], CASE WHEN ($3::text[])[s.position] <> 'pending' THEN $2::timestamptz END,
       CASE WHEN ($3::text[])[s.position] <> 'pending' THEN $2::timestamptz END
     FROM executions e, jsonb_array_elements(e.plan->'steps') WITH ORDINALITY AS s(step, position) WHERE e.id = $1`,
    [id, row.startedAt, row.steps],
  );
  return id;
}

const daysAgo = (days: number, hours = 12) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days, hours));
};

describe('GET /api/workflow-recipes/stats/dashboard and /api/workflows/active, from real executions', () => {
  it('count what the engine did: completed, cancelled and waiting runs, success rates, the most used recipes and the live one', async () => {
    const { tenant, call, recipe } = await workspace(t, 'real runs');
    const watch = await watchExecutions(t, tenant.tenantId);
    try {
      const brief = await recipe('brief', [{ step_id: 'research', prompt_template: 'Research tides.' }, { step_id: 'write', prompt_template: 'Write: {previous_output}' }]);
      const gated = await recipe('gated', [{ step_id: 'draft', prompt_template: 'Draft it.', requires_approval: true }]);
      const idle = await recipe('idle', [{ step_id: 'only', prompt_template: 'Go.' }]);
      await t.app.database.db.recipe.update({ where: { id: idle.id }, data: { qualityScore: 0.5 } });
      await t.app.database.db.recipe.update({ where: { id: brief.id }, data: { qualityScore: 0.9 } });

      const run = async (templateId: string, until: string) => {
        const id = (await call('POST', `${RECIPES}/${templateId}/execute`, {})).body.recipe_execution_id as string;
        await watch.until(id, [until]);
        return id;
      };
      await run('brief', 'completed');
      await run('brief', 'completed');
      await call('POST', `${RECIPES}/brief/use`);
      await call('POST', `${RECIPES}/brief/use`);
      // A gated run approved, one cancelled, one left waiting.
      const approved = await run('gated', 'awaiting_approval');
      expect((await call('POST', `/executions/${approved}/steps/draft/approve`, { approved: true })).status).toBe(200);
      await watch.until(approved, ['completed']);
      const cancelled = await run('gated', 'awaiting_approval');
      expect((await call('POST', `${RECIPES}/gated/executions/${cancelled}/cancel`)).status).toBe(200);
      const waiting = await run('gated', 'awaiting_approval');

      const dashboard = await call('GET', `${RECIPES}/stats/dashboard`);
      expect(dashboard.status).toBe(200);
      expect(dashboard.body.overview).toMatchObject({ total_recipes: 3, total_executions: 5, avg_success_rate: 1 });
      expect(dashboard.body.overview.avg_quality_score).toBeCloseTo(0.7, 12);
      expect(dashboard.body.status_breakdown).toEqual({ completed: 3, failed: 0, running: 0, pending: 0, awaiting_approval: 1, cancelled: 1 });
      const top = dashboard.body.top_recipes;
      expect(top.map((r: { template_id: string }) => r.template_id)).toEqual(['brief', 'gated', 'idle']);
      expect(top[0]).toMatchObject({ id: brief.id, name: 'Recipe brief', use_count: 4, success_rate: 1, quality_score: 0.9, steps_count: 2, total_executions: 2 });
      expect(top[0].last_used_at).not.toBeNull();
      expect(top[1]).toMatchObject({ use_count: 3, success_rate: 1, steps_count: 1, total_executions: 3, quality_score: null });
      expect(top[2]).toMatchObject({ use_count: 0, success_rate: null, total_executions: 0, last_used_at: null });

      const active = await call('GET', '/api/workflows/active');
      expect(active.status).toBe(200);
      expect(active.body.total_active).toBe(1);
      const [only] = active.body.active_workflows;
      const finished = (await call('GET', `${RECIPES}/gated/executions/${approved}`)).body;
      expect(only).toMatchObject({ id: gated.id, type: 'recipe', template_id: 'gated', name: 'Recipe gated', status: 'awaiting_approval', active_executions: 1 });
      expect(only.current_execution).toMatchObject({ id: waiting, status: 'awaiting_approval', progress: 0, steps_finished: 0, steps_total: 1, current_step: 'draft' });
      // The estimate is this run's start plus the one completed run's duration: no made-up figure.
      const startedAt = Date.parse(only.current_execution.started_at);
      expect(Date.parse(only.current_execution.estimated_completion)).toBe(startedAt + finished.total_duration_ms);
      expect(only.metrics).toEqual({
        total_executions: 3, successful_executions: 1, failed_executions: 0, success_rate: 1, avg_duration: finished.total_duration_ms / 1000, last_execution: only.current_execution.started_at,
      });
      expect(only.recent_executions.map((e: { id: string; status: string }) => [e.id, e.status])).toEqual([[waiting, 'awaiting_approval'], [cancelled, 'cancelled'], [approved, 'completed']]);
      expect(only.recent_executions[2].duration).toBe(finished.total_duration_ms / 1000);
      // One worker runs in this app; nothing of this workspace runs now.
      expect(active.body.system_load).toBe(0);
      expect(active.body.load).toMatchObject({ running_steps: 0, queued_steps: 0 });
      expect(active.body.load.workers).toBeGreaterThanOrEqual(1);
      expect(active.body.load.capacity).toBe(active.body.load.workers * 100);

      // Another workspace sees none of it.
      const stranger = await workspace(t, 'stranger');
      expect((await stranger.call('GET', '/api/workflows/active')).body).toMatchObject({ active_workflows: [], total_active: 0 });
      expect((await stranger.call('GET', `${RECIPES}/stats/dashboard`)).body.overview).toEqual({ total_recipes: 0, total_executions: 0, avg_quality_score: null, avg_success_rate: null });
    } finally {
      await watch.stop();
    }
  });
});

describe('GET /api/workflow-recipes/stats/dashboard', () => {
  it('says pending and failed (a budget stop too) as the recipe API does, and leaves cancelled runs out of the success rate', async () => {
    const { tenant, call, recipe } = await workspace(api, 'states');
    const a = await recipe('a', [{ step_id: 'one', prompt_template: 'One.' }, { step_id: 'two', prompt_template: 'Two.' }]);
    const now = new Date();
    await insertExecution(tenant, { recipeId: a.id }, { status: 'running', steps: ['pending', 'pending'], startedAt: now });
    await insertExecution(tenant, { recipeId: a.id }, { status: 'running', steps: ['completed', 'running'], startedAt: now });
    for (const status of ['completed', 'completed', 'completed', 'failed', 'budget_exhausted'] as const) await insertExecution(tenant, { recipeId: a.id }, { status, steps: ['completed', status === 'budget_exhausted' ? 'stopped' : status], startedAt: daysAgo(2), durationMs: 1000 });
    await insertExecution(tenant, { recipeId: a.id }, { status: 'stopped', steps: ['completed', 'stopped'], startedAt: daysAgo(2), durationMs: 500 });
    const body = (await call('GET', `${RECIPES}/stats/dashboard`)).body;
    expect(body.status_breakdown).toEqual({ completed: 3, failed: 2, running: 1, pending: 1, awaiting_approval: 0, cancelled: 1 });
    expect(body.overview).toMatchObject({ total_executions: 8, avg_success_rate: 0.6 });
    expect(body.top_recipes[0]).toMatchObject({ template_id: 'a', success_rate: 0.6, total_executions: 8 });
    // The breakdown agrees with the executions list's own status filter.
    for (const status of ['pending', 'running', 'completed', 'failed', 'cancelled']) {
      expect((await call('GET', `${RECIPES}/a/executions?status=${status}`)).body.total, status).toBe(body.status_breakdown[status]);
    }
  });
});

describe('GET /api/workflows', () => {
  it('lists markdown workflows and recipes together, newest first, with search, tags and offset pages', async () => {
    const { call, recipe, headers } = await workspace(api, 'catalog');
    const first = await createWorkflowId(api, relay, headers);
    const gone = await createWorkflowId(api, relay.replace('# Relay', '# Gone'), headers);
    await call('DELETE', `/workflows/${gone}`);
    await recipe('tides', [{ step_id: 's', prompt_template: 'Tides.' }], { tags: ['ocean', 'science'], description: 'About 100% of the TIDES' });
    await recipe('moons', [{ step_id: 's', prompt_template: 'Moons.' }], { tags: ['space', 'science'], is_public: false });
    await recipe('under_score', [{ step_id: 's', prompt_template: 'U.' }], { tags: ['ocean'] });

    const all = await call('GET', '/api/workflows');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 4, skip: 0, limit: 50 });
    const items = all.body.items as { id: string; type: string; name: string; template_id: string | null; tags: string[]; created_at: string }[];
    expect(items.map((item) => item.template_id ?? item.id)).toEqual(['under_score', 'moons', 'tides', first]);
    expect(items[3]).toMatchObject({ type: 'markdown', name: 'Relay', template_id: null, tags: [] });
    expect(items[0]).toMatchObject({ type: 'recipe', name: 'Recipe under_score', tags: ['ocean'] });
    const times = items.map((item) => Date.parse(item.created_at));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const names = async (query: string) => ((await call('GET', `/api/workflows?${query}`)).body.items as { name: string }[]).map((item) => item.name);
    expect(await names('tag=science')).toEqual(['Recipe moons', 'Recipe tides']);
    expect(await names('tag=ocean&q=tides')).toEqual(['Recipe tides']);
    expect(await names('tag=nothing')).toEqual([]);
    expect(await names('q=RELAY')).toEqual(['Relay']);
    expect(await names('q=100%25')).toEqual(['Recipe tides']);
    // % and _ are themselves, not wildcards.
    expect(await names('q=%25%25')).toEqual([]);
    expect(await names('q=under_')).toEqual(['Recipe under_score']);
    expect(await names('q=under__')).toEqual([]);
    expect((await call('GET', '/api/workflows?tag=science')).body.total).toBe(2);

    // Pages of one make up the whole list, in the same order, without overlap.
    const pages = [];
    for (let skip = 0; skip < 5; skip++) pages.push(...(await call('GET', `/api/workflows?skip=${skip}&limit=1`)).body.items);
    expect(pages).toEqual(items);

    // Another workspace's workflows are not listed.
    expect((await rest(api, 'GET', '/api/workflows')).body.items.map((item: { id: string }) => item.id)).not.toContain(first);
  });

  it('answers hostile parameters with a 400 that names them', async () => {
    for (const query of ['skip=-1', 'skip=abc', 'skip=1.5', 'skip=99999999', 'limit=0', 'limit=101', 'limit=ten', `q=${'x'.repeat(201)}`, `tag=${'t'.repeat(51)}`, 'tag=%20', 'q=%00']) {
      const answer = await rest(api, 'GET', `/api/workflows?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.detail, query).toMatch(new RegExp(`\\b${query.split('=')[0]}\\b`));
    }
    for (const query of ['limit=0', 'limit=500', 'limit=x']) {
      const answer = await rest(api, 'GET', `/api/workflows/active?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.detail, query).toContain('limit');
    }
  });
});

describe('GET /api/workflows/active', () => {
  it("groups live executions by workflow, with each one's progress, its current step and the workers' load", async () => {
    const { tenant, call, recipe, headers } = await workspace(api, 'active');
    const workflowId = await createWorkflowId(api, relay, headers);
    const r = await recipe('three', [{ step_id: 'a', prompt_template: 'A.' }, { step_id: 'b', prompt_template: 'B.' }, { step_id: 'c', prompt_template: 'C.' }]);
    const now = Date.now();
    await insertExecution(tenant, { workflowId }, { status: 'completed', steps: ['completed', 'completed'], startedAt: new Date(now - 60_000), durationMs: 4_000 });
    await insertExecution(tenant, { workflowId }, { status: 'completed', steps: ['completed', 'completed'], startedAt: new Date(now - 50_000), durationMs: 6_000 });
    await insertExecution(tenant, { workflowId }, { status: 'failed', steps: ['completed', 'failed'], startedAt: new Date(now - 40_000), durationMs: 1_000 });
    const older = await insertExecution(tenant, { workflowId }, { status: 'running', steps: ['pending', 'pending'], startedAt: new Date(now - 3_000) });
    const newer = await insertExecution(tenant, { workflowId }, { status: 'running', steps: ['completed', 'running'], startedAt: new Date(now - 2_000) });
    const pending = await insertExecution(tenant, { recipeId: r.id }, { status: 'running', steps: ['pending', 'pending', 'pending'], startedAt: new Date(now - 1_000) });

    const body = (await call('GET', '/api/workflows/active')).body;
    expect(body.total_active).toBe(2);
    expect(body.active_workflows.map((w: { id: string }) => w.id)).toEqual([r.id, workflowId]);
    const [three, markdown] = body.active_workflows;
    expect(three).toMatchObject({ type: 'recipe', template_id: 'three', status: 'running', active_executions: 1 });
    expect(three.current_execution).toMatchObject({ id: pending, status: 'pending', progress: 0, steps_total: 3, current_step: null, estimated_completion: null });
    expect(three.metrics).toMatchObject({ total_executions: 1, successful_executions: 0, success_rate: null, avg_duration: null });
    expect(markdown).toMatchObject({ type: 'markdown', template_id: null, name: 'Relay', status: 'running', active_executions: 2 });
    expect(markdown.current_execution).toMatchObject({ id: newer, status: 'running', progress: 0.5, steps_finished: 1, steps_total: 2, current_step: 'Second' });
    expect(Date.parse(markdown.current_execution.estimated_completion)).toBe(now - 2_000 + 5_000);
    expect(markdown.metrics).toMatchObject({ total_executions: 5, successful_executions: 2, failed_executions: 1, success_rate: 2 / 3, avg_duration: 5 });
    expect(markdown.recent_executions.map((e: { id: string; status: string }) => e.status)).toEqual(['running', 'pending', 'failed', 'completed', 'completed']);
    expect(markdown.recent_executions[1].id).toBe(older);
    expect(markdown.recent_executions[2].duration).toBe(1);
    // One step attempt of the workspace runs; this app runs no worker, so the load is unknown…
    expect(body.load).toEqual({ running_steps: 1, queued_steps: 0, workers: 0, capacity: 0 });
    expect(body.system_load).toBeNull();
    // …until a worker process is alive (its heartbeat far ahead, so it stays alive through the test).
    await api.app.database.pool.query(`INSERT INTO workers (id, pid, host, heartbeat_at) VALUES ('wrk_test', 1, 'test', now() + interval '1 hour')`);
    try {
      const loaded = (await call('GET', '/api/workflows/active')).body;
      expect(loaded.load).toEqual({ running_steps: 1, queued_steps: 0, workers: 1, capacity: 100 });
      expect(loaded.system_load).toBe(0.01);
    } finally {
      await api.app.database.pool.query(`DELETE FROM workers WHERE id = 'wrk_test'`);
    }
    expect((await call('GET', '/api/workflows/active?limit=1')).body).toMatchObject({ total_active: 2, active_workflows: [{ id: r.id }] });
  });
});

describe('GET /api/workflows/stats/dashboard', () => {
  it('counts today, all time, 30 zero-filled days and the newest executions, from the data', async () => {
    const { tenant, call, recipe, headers } = await workspace(api, 'stats');
    const workflowId = await createWorkflowId(api, relay, headers);
    const r = await recipe('r', [{ step_id: 's', prompt_template: 'S.' }]);
    const w = { workflowId };
    const rc = { recipeId: r.id };
    const done = (durationMs: number) => ({ steps: ['completed', 'completed'], durationMs });
    await insertExecution(tenant, w, { status: 'completed', ...done(2_000), startedAt: daysAgo(40) });
    await insertExecution(tenant, w, { status: 'completed', ...done(4_000), startedAt: daysAgo(10, 9) });
    await insertExecution(tenant, rc, { status: 'failed', steps: ['failed'], durationMs: 1_000, startedAt: daysAgo(10, 15) });
    await insertExecution(tenant, rc, { status: 'stopped', steps: ['stopped'], durationMs: 1_000, startedAt: daysAgo(1) });
    await insertExecution(tenant, rc, { status: 'completed', steps: ['completed'], durationMs: 6_000, startedAt: daysAgo(0, 0) });
    const live = await insertExecution(tenant, w, { status: 'running', steps: ['pending', 'pending'], startedAt: new Date() });

    const answer = await call('GET', '/api/workflows/stats/dashboard');
    expect(answer.status).toBe(200);
    const body = answer.body;
    expect(body.overview).toEqual({
      total_workflows: 2, markdown_workflows: 1, recipes: 1, active_workflows: 1, total_executions: 6, running_executions: 1, awaiting_approval_executions: 0,
      status_breakdown: { completed: 3, failed: 1, running: 0, pending: 1, awaiting_approval: 0, cancelled: 1 },
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(body.today_stats).toEqual({ date: today, executions: 2, completed: 1, failed: 0, cancelled: 0, success_rate: 1 });
    expect(body.performance).toEqual({ total_executions: 6, completed: 3, failed: 1, cancelled: 1, success_rate: 0.75, avg_execution_time: 4 });
    expect(body.workflow_types).toEqual([
      { type: 'markdown', count: 1, share: 0.5, executions: 3, success_rate: 1 },
      { type: 'recipe', count: 1, share: 0.5, executions: 3, success_rate: 0.5 },
    ]);
    const trends = body.execution_trends as { date: string; executions: number; completed: number; failed: number; cancelled: number }[];
    expect(trends).toHaveLength(30);
    expect(trends.at(-1)!.date).toBe(today);
    expect(trends.map((day) => Date.parse(day.date)).every((time, i, all) => i === 0 || time - all[i - 1] === 86_400_000)).toBe(true);
    const on = (days: number) => trends.find((day) => day.date === daysAgo(days).toISOString().slice(0, 10));
    expect(on(10)).toEqual({ date: daysAgo(10).toISOString().slice(0, 10), executions: 2, completed: 1, failed: 1, cancelled: 0, success_rate: 0.5 });
    expect(on(1)).toMatchObject({ executions: 1, cancelled: 1, success_rate: null });
    expect(trends.reduce((sum, day) => sum + day.executions, 0)).toBe(5); // the 40-day-old one is before the window
    expect(trends.filter((day) => day.executions === 0)).toHaveLength(27);
    expect(body.recent_activity.map((e: { id: string; status: string; type: string }) => [e.status, e.type])).toEqual([
      ['pending', 'markdown'], ['completed', 'recipe'], ['cancelled', 'recipe'], ['failed', 'recipe'], ['completed', 'markdown'], ['completed', 'markdown'],
    ]);
    expect(body.recent_activity[0]).toMatchObject({ id: live, workflow_id: workflowId, recipe_id: null, name: 'Relay', triggered_by: 'manual', completed_at: null, duration: null });
  });
});

const Catalog = graphql(`
  query TestCatalog($first: Int, $after: String, $tag: String) {
    workflowCatalog(first: $first, after: $after, tag: $tag) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { __typename ... on Recipe { templateId agents { name } } ... on Workflow { id name revisions { version } } } }
    }
  }
`);

describe('GraphQL', () => {
  it('workflowCatalog pages by cursor, and a cursor that is not its own is a BAD_REQUEST', async () => {
    const { recipe, headers } = await workspace(api, 'cursors');
    for (const id of ['c1', 'c2', 'c3']) await recipe(id, [{ step_id: 's', prompt_template: 'S.' }], { tags: ['paged'] });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await api.request(Catalog, { first: 2, after, tag: 'paged' }, headers)).body.data!.workflowCatalog;
      expect(page.totalCount).toBe(3);
      seen.push(...page.edges.map((edge) => (edge.node.__typename === 'Recipe' ? edge.node.templateId : edge.node.id)));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual(['c3', 'c2', 'c1']);
    // What an item's type selects is read, relations included.
    const workflowId = await createWorkflowId(api, relay, headers);
    const [top] = (await api.request(Catalog, { first: 2 }, headers)).body.data!.workflowCatalog.edges;
    expect(top.node).toEqual({ __typename: 'Workflow', id: workflowId, name: 'Relay', revisions: [] });
    const recipes = (await api.request(Catalog, { first: 1, tag: 'paged' }, headers)).body.data!.workflowCatalog.edges;
    expect(recipes[0].node).toEqual({ __typename: 'Recipe', templateId: 'c3', agents: [{ name: 'Writer' }] });
    for (const cursor of ['nope', Buffer.from('OffsetConnection:abc').toString('base64'), Buffer.from('OffsetConnection:99999999999').toString('base64')]) {
      const bad = await api.request(Catalog, { first: 2, after: cursor }, headers);
      expect(bad.body.errors?.[0].extensions?.code, cursor).toBe('BAD_REQUEST');
    }
  });
});

describe('statements per request', () => {
  it('do not grow with the rows shown (no N+1)', async () => {
    const { tenant, call, recipe } = await workspace(api, 'statements');
    const count = async (path: string) => {
      statements.length = 0;
      expect((await call('GET', path)).status).toBe(200);
      return statements.length;
    };
    const paths = ['/api/workflow-recipes/stats/dashboard', '/api/workflows', '/api/workflows/active', '/api/workflows/stats/dashboard'];
    const one = await recipe('n0', [{ step_id: 's', prompt_template: 'S.' }]);
    await insertExecution(tenant, { recipeId: one.id }, { status: 'running', steps: ['running'], startedAt: new Date() });
    const few = [];
    for (const path of paths) few.push(await count(path));
    for (let i = 1; i <= 6; i++) {
      const more = await recipe(`n${i}`, [{ step_id: 's', prompt_template: 'S.' }]);
      await insertExecution(tenant, { recipeId: more.id }, { status: 'running', steps: ['running'], startedAt: new Date() });
      await insertExecution(tenant, { recipeId: more.id }, { status: 'completed', steps: ['completed'], startedAt: daysAgo(3), durationMs: 10 });
    }
    for (const [i, path] of paths.entries()) expect(await count(path), path).toBe(few[i]);
  });
});
