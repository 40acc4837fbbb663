import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { rest } from '../support/rest.ts';

let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let researcher: string;
let writer: string;
beforeAll(async () => {
  t = await startTestApp();
  watch = await watchExecutions(t);
  researcher = (await rest(t, 'POST', '/api/agents', { name: 'Researcher', description: 'Finds sources.', model: 'sonnet', system_prompt: 'You research carefully.' })).body.id;
  writer = (await rest(t, 'POST', '/api/agents', { name: 'Writer', description: 'Writes briefs.', model: 'offline' })).body.id;
  await rest(t, 'POST', '/api/workflow-recipes', brief('brief'));
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
});

const BASE = '/api/workflow-recipes';

function brief(templateId: string, extra: Record<string, unknown> = {}) {
  return {
    template_id: templateId,
    name: 'Research brief',
    inputs: { topic: { type: 'string', required: true }, tone: { type: 'string', default: 'plain' } },
    steps: [
      { step_id: 'research', order: 1, agent_id: researcher, prompt_template: 'Research {input.topic}.' },
      { step_id: 'write', order: 2, agent_id: writer, prompt_template: 'Write a {input.tone} brief from: {previous_output}' },
    ],
    ...extra,
  };
}

async function executeToEnd(templateId: string, inputs: Record<string, unknown>) {
  const started = await rest(t, 'POST', `${BASE}/${templateId}/execute`, { input_data: inputs });
  expect(started.status).toBe(202);
  await watch.until(started.body.recipe_execution_id, ['completed', 'failed', 'stopped']);
  return started.body.recipe_execution_id as string;
}

const RecipeRuns = graphql(`
  query TestRecipeRuns($recipeId: ID!) {
    executions(first: 10, recipeId: $recipeId) {
      totalCount
      edges {
        node {
          id
          workflowId
          recipeId
          triggeredBy
        }
      }
    }
  }
`);

describe('POST /api/workflow-recipes/{id}/execute', () => {
  it('runs the recipe on the engine, with the full record of every step', async () => {
    const started = await rest(t, 'POST', `${BASE}/brief/execute`, { input_data: { topic: 'tides' } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ recipe_id: 'brief', status: 'started', total_steps: 2, message: 'Recipe brief started with 2 steps' });
    const id = started.body.recipe_execution_id;
    await watch.until(id, ['completed']);

    const detail = await rest(t, 'GET', `${BASE}/brief/executions/${id}`);
    expect(detail.status).toBe(200);
    const body = detail.body;
    expect(body).toMatchObject({ execution_id: id, recipe_id: 'brief', recipe_name: 'Research brief', status: 'completed', current_step: 2, total_steps: 2, triggered_by: 'manual', error_message: null });
    expect(body.input_data).toEqual({ topic: 'tides', tone: 'plain' });
    expect(body.execution_metadata).toMatchObject({ template_id: 'brief', recipe_version: '1.0' });
    expect(body.step_results.map((r: { step_id: string; order: number; agent_name: string; status: string }) => [r.step_id, r.order, r.agent_name, r.status])).toEqual([
      ['research', 1, 'Researcher', 'completed'],
      ['write', 2, 'Writer', 'completed'],
    ]);
    const [research, write] = body.step_results;
    expect(research.output).toContain('Research tides.');
    expect(write.output).toContain('plain brief');
    expect(research.retries).toBe(0);
    expect(research.duration_ms).toBeGreaterThanOrEqual(0);
    expect(body.output_data).toEqual({ final_output: write.output, total_duration_ms: body.total_duration_ms, total_tokens: research.tokens_used + write.tokens_used, steps_completed: 2 });
    expect(Date.parse(body.completed_at) - Date.parse(body.started_at)).toBe(body.total_duration_ms);

    // An ordinary execution: in /executions (its workflow_id the recipe's id) and in GraphQL.
    const recipe = (await rest(t, 'GET', `${BASE}/brief`)).body;
    const listed = await rest(t, 'GET', `/executions?workflow_id=${recipe.id}`);
    expect(listed.body.executions.map((e: { execution_id: string; workflow_id: string }) => [e.execution_id, e.workflow_id])).toContainEqual([id, recipe.id]);
    const runs = (await t.request(RecipeRuns, { recipeId: recipe.id })).body.data!.executions;
    expect(runs.edges.map((edge) => edge.node)).toContainEqual({ id, workflowId: null, recipeId: recipe.id, triggeredBy: 'manual' });
    // Starting counts a use.
    expect(recipe.use_count).toBeGreaterThanOrEqual(1);
    expect(recipe.last_used_at).not.toBeNull();
  });

  it('checks the inputs: a missing required one, an unknown one and a wrong type are named at once', async () => {
    const before = (await rest(t, 'GET', `${BASE}/brief/executions`)).body.total;
    const bad = await rest(t, 'POST', `${BASE}/brief/execute`, { input_data: { tone: 3, colour: 'red' } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('missing required input "topic"');
    expect(bad.body.detail).toContain('unknown input "colour"');
    expect(bad.body.detail).toContain('input "tone" must be string');
    expect((await rest(t, 'POST', `${BASE}/brief/execute`, { input_data: 'tides' })).status).toBe(400);
    expect((await rest(t, 'POST', `${BASE}/brief/execute`, '{"input_data":')).status).toBe(400);
    // Nothing half-written: no execution was created.
    expect((await rest(t, 'GET', `${BASE}/brief/executions`)).body.total).toBe(before);
  });

  it('answers 404 for a recipe the workspace does not have', async () => {
    const missing = await rest(t, 'POST', `${BASE}/nope/execute`, {});
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('nope');
  });

  it('copies the agents as they are at start: an edit shows in the next run, and an inactive agent refuses to run (409)', async () => {
    const agent = (await rest(t, 'POST', '/api/agents', { name: 'Editor', description: 'Edits.', model: 'offline' })).body.id;
    await rest(t, 'POST', BASE, { template_id: 'edit', name: 'Edit', steps: [{ step_id: 'edit', order: 1, agent_id: agent, prompt_template: 'Edit this.' }] });
    await rest(t, 'PUT', `/api/agents/${agent}`, { name: 'Copy editor' });
    const id = await executeToEnd('edit', {});
    expect((await rest(t, 'GET', `${BASE}/edit/executions/${id}`)).body.step_results[0].agent_name).toBe('Copy editor');

    await rest(t, 'PUT', `/api/agents/${agent}`, { status: 'inactive' });
    const refused = await rest(t, 'POST', `${BASE}/edit/execute`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('steps[0].agent_id');
    expect(refused.body.detail).toContain('inactive');
  });
});

describe('GET /api/workflow-recipes/{id}/executions', () => {
  it('lists newest first, filters by status, pages by offset, and names bad parameters', async () => {
    await rest(t, 'POST', BASE, brief('paged'));
    const first = await executeToEnd('paged', { topic: 'one' });
    const second = await executeToEnd('paged', { topic: 'two' });
    const all = await rest(t, 'GET', `${BASE}/paged/executions`);
    expect(all.body).toMatchObject({ total: 2, skip: 0, limit: 20, recipe_id: 'paged', recipe_quality_score: null });
    expect(all.body.items.map((item: { execution_id: string }) => item.execution_id)).toEqual([second, first]);
    const page = await rest(t, 'GET', `${BASE}/paged/executions?skip=1&limit=1`);
    expect(page.body.items.map((item: { execution_id: string }) => item.execution_id)).toEqual([first]);
    expect((await rest(t, 'GET', `${BASE}/paged/executions?status=completed`)).body.total).toBe(2);
    expect((await rest(t, 'GET', `${BASE}/paged/executions?status=failed`)).body.total).toBe(0);
    for (const query of ['status=done', 'limit=0', 'limit=101', 'skip=-1']) {
      const bad = await rest(t, 'GET', `${BASE}/paged/executions?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.detail, query).toContain(query.split('=')[0]);
    }
  });

  it("answers 404 for another recipe's execution and for another tenant's", async () => {
    await rest(t, 'POST', BASE, brief('other'));
    const id = await executeToEnd('other', { topic: 'x' });
    expect((await rest(t, 'GET', `${BASE}/brief/executions/${id}`)).status).toBe(404);
    const stranger = await createTenant(t.app.database.db, 'stranger');
    const theirs = (await rest(t, 'POST', '/api/agents', { name: 'Theirs', description: 'Theirs.', model: 'offline' }, credentialsOf(stranger))).body.id;
    await rest(t, 'POST', BASE, { template_id: 'other', name: 'Theirs', steps: [{ step_id: 's', order: 1, agent_id: theirs, prompt_template: 'Go.' }] }, credentialsOf(stranger));
    expect((await rest(t, 'GET', `${BASE}/other/executions/${id}`, undefined, credentialsOf(stranger))).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/other/executions/${id}/cancel`, undefined, credentialsOf(stranger))).status).toBe(404);
  });
});

describe('cancel and step logs', () => {
  it('cancels a live execution (cancelled), and a finished one is a 409', async () => {
    await rest(t, 'POST', BASE, brief('gated', { steps: [{ step_id: 'draft', order: 1, agent_id: writer, prompt_template: 'Draft {input.topic}.', requires_approval: true }] }));
    const started = await rest(t, 'POST', `${BASE}/gated/execute`, { input_data: { topic: 'gates' } });
    const id = started.body.recipe_execution_id;
    await watch.until(id, ['awaiting_approval']);
    const waiting = await rest(t, 'GET', `${BASE}/gated/executions/${id}`);
    expect(waiting.body).toMatchObject({ status: 'awaiting_approval', current_step: 1, output_data: null, completed_at: null, total_duration_ms: null });

    const cancelled = await rest(t, 'POST', `${BASE}/gated/executions/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await rest(t, 'GET', `${BASE}/gated/executions?status=cancelled`)).body.items.map((item: { execution_id: string }) => item.execution_id)).toEqual([id]);
    const again = await rest(t, 'POST', `${BASE}/gated/executions/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('stopped');
  });

  it("serves a step's full record by its order", async () => {
    const id = await executeToEnd('brief', { topic: 'moons' });
    const log = await rest(t, 'GET', `${BASE}/brief/executions/${id}/steps/1/logs`);
    expect(log.status).toBe(200);
    expect(log.body).toMatchObject({ step_order: 1, execution_id: id });
    const logPath = `${BASE}/brief/executions/${id}/steps/1/logs`;
    expect(log.body.log_url).toMatch(new RegExp(`^http://localhost:\\d+${logPath}$`));
    const data = log.body.log_data;
    expect(data).toMatchObject({ step_id: 'research', order: 1, agent_id: researcher, agent_name: 'Researcher', tool_calls: [] });
    expect(data.messages).toEqual([
      { role: 'system', content: 'You research carefully.' },
      { role: 'user', content: 'Research moons.' },
      { role: 'assistant', content: data.agent_output },
    ]);
    // The log URL answers with the same record.
    expect((await rest(t, 'GET', new URL(log.body.log_url).pathname)).body.log_data).toEqual(data);

    const missing = await rest(t, 'GET', `${BASE}/brief/executions/${id}/steps/7/logs`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('1, 2');
    expect((await rest(t, 'GET', `${BASE}/brief/executions/${id}/steps/first/logs`)).status).toBe(400);
  });
});

describe('pending', () => {
  it('an execution no worker has picked up yet is pending', async () => {
    const api = await startTestApp({ role: 'api' });
    try {
      const agent = (await rest(api, 'POST', '/api/agents', { name: 'Solo', description: 'Works alone.', model: 'offline' })).body.id;
      await rest(api, 'POST', BASE, { template_id: 'solo', name: 'Solo', steps: [{ step_id: 'only', order: 1, agent_id: agent, prompt_template: 'Go.' }] });
      const id = (await rest(api, 'POST', `${BASE}/solo/execute`, {})).body.recipe_execution_id;
      expect((await rest(api, 'GET', `${BASE}/solo/executions/${id}`)).body).toMatchObject({ status: 'pending', current_step: 0, step_results: [] });
      expect((await rest(api, 'GET', `${BASE}/solo/executions?status=pending`)).body.total).toBe(1);
      expect((await rest(api, 'GET', `${BASE}/solo/executions?status=running`)).body.total).toBe(0);
    } finally {
      await api.stop();
    }
  });
});
