import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/tenancy/auth.ts';
import { createTenant, type NewTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';

// The marketplace (spec recipes-api.md §6) through real HTTP: submit, review, install across tenants.

const fake = new FakeAnthropic();
let t: TestApp;
let author: NewTenant;
let installer: NewTenant;
let admin: Record<string, string>;
const BASE = '/api/workflow-recipes';
const as = (tenant: NewTenant) => credentialsOf(tenant);

beforeAll(async () => {
  await fake.start();
  // Research of a "flaky" topic fails (a 400 is not retried); everything else answers.
  fake.reply = (request) =>
    /Research .*flaky/.test(lastUserText(request))
      ? { error: { status: 400, type: 'invalid_request_error', message: 'the model refused' } }
      : { text: `Answer: ${lastUserText(request).slice(0, 40)}`, usage: { input: 100, output: 50 } };
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  const db = t.app.database.db;
  author = await createTenant(db, 'author');
  installer = await createTenant(db, 'installer');
  const operator = await createTenant(db, 'operator');
  admin = { authorization: `Bearer ${(await createApiKey(db, operator.tenantId, 'admin')).key}`, 'x-tenant-id': operator.tenantId };
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function agentOf(tenant: NewTenant, name: string, tools: string[] = []) {
  const created = await rest(t, 'POST', '/api/agents', { name, description: `${name}.`, model: 'sonnet', tools }, as(tenant));
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function recipeOf(tenant: NewTenant, templateId: string, name: string, agent: string) {
  const created = await rest(t, 'POST', BASE, {
    template_id: templateId,
    name,
    tags: ['research'],
    inputs: { topic: { type: 'string', required: true } },
    steps: [
      { step_id: 'research', order: 1, agent_id: agent, prompt_template: 'Research {input.topic}.', error_handling: 'continue' },
      { step_id: 'write', order: 2, agent_id: agent, prompt_template: 'Write a digest about {input.topic}.' },
    ],
  }, as(tenant));
  expect(created.status).toBe(201);
}

const submit = (tenant: NewTenant, recipeId: string) => rest(t, 'POST', `${BASE}/submit`, { recipe_id: recipeId }, as(tenant));

describe('the marketplace, end to end', () => {
  it('learns from five runs, shares the recipe through an administrator, and the installed copy runs in another workspace', async () => {
    const watch = await watchExecutions(t, author.tenantId);
    const analyst = await agentOf(author, 'Analyst');
    await recipeOf(author, 'digest', 'Weekly digest', analyst);

    for (const topic of ['tides', 'flaky moons', 'comets', 'flaky rings', 'orbits']) {
      const started = await rest(t, 'POST', `${BASE}/digest/execute`, { input_data: { topic } }, as(author));
      expect(started.status).toBe(202);
      const id = started.body.recipe_execution_id as string;
      expect((await watch.until(id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
      const learned = await rest(t, 'POST', `${BASE}/digest/learn`, { execution_id: id }, as(author));
      expect(learned.status).toBe(200);
      expect(learned.body.patterns.some((pattern: { type: string }) => pattern.type === 'step_failure')).toBe(topic.startsWith('flaky'));
      const assessed = await rest(t, 'POST', `${BASE}/digest/assess-quality`, { execution_id: id }, as(author));
      expect(assessed.status).toBe(200);
      expect(assessed.body.bottlenecks.some((bottleneck: { type: string }) => bottleneck.type === 'failed_step')).toBe(topic.startsWith('flaky'));
    }
    await watch.stop();

    // The suggestions follow the failures: the research step, never the write step.
    const suggestions = (await rest(t, 'GET', `${BASE}/digest/suggestions`, undefined, as(author))).body;
    const aimed = suggestions.suggestions.filter((suggestion: { step_id?: string }) => suggestion.step_id);
    expect(aimed.length).toBeGreaterThan(0);
    expect(new Set(aimed.map((suggestion: { step_id: string }) => suggestion.step_id))).toEqual(new Set(['research']));
    expect(aimed.map((suggestion: { type: string }) => suggestion.type)).toEqual(expect.arrayContaining(['prompt_rewrite', 'model_upgrade']));

    // Its judge is one more agent the recipe runs.
    const critic = await agentOf(author, 'Critic');
    expect((await rest(t, 'PUT', `${BASE}/digest`, { execution_config: { judge: { agent_id: critic, criteria: 'Concise' } } }, as(author))).status).toBe(200);

    // Submitted by a member: pending, seen by its author and administrators only.
    const submitted = await submit(author, 'digest');
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ success: true, auto_approved: false });
    const itemId = submitted.body.item_id as string;
    const listed = async (headers: Record<string, string>, query = '') => (await rest(t, 'GET', `/api/marketplace/items${query}`, undefined, headers)).body.items.map((item: { id: string }) => item.id);
    expect(await listed(as(installer))).not.toContain(itemId);
    expect(await listed(as(author))).toContain(itemId);
    expect(await listed(admin, '?status=pending')).toContain(itemId);
    expect((await rest(t, 'GET', `/api/marketplace/items/${itemId}`, undefined, as(installer))).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/install/${itemId}`, undefined, as(installer))).status).toBe(404);

    // Approval is an administrator's.
    const byMember = await rest(t, 'POST', `/api/marketplace/items/${itemId}/approve`, undefined, as(author));
    expect(byMember.status).toBe(403);
    expect(byMember.body.detail).toMatch(/admin API key/);
    const approved = await rest(t, 'POST', `/api/marketplace/items/${itemId}/approve`, undefined, admin);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', steps_count: 2 });
    expect(approved.body.agents.map((agent: { id: string; name: string }) => [agent.id, agent.name]).sort()).toEqual([[analyst, 'Analyst'], [critic, 'Critic']].sort());
    expect(await listed(as(installer))).toContain(itemId);

    // Installed: the installer's own agent and recipe, the steps pointing at that agent.
    const installed = await rest(t, 'POST', `${BASE}/install/${itemId}`, undefined, as(installer));
    expect(installed.status).toBe(200);
    const clonedAgent = installed.body.cloned_items.find((item: { name: string }) => item.name === 'Analyst');
    const clonedCritic = installed.body.cloned_items.find((item: { name: string }) => item.name === 'Critic');
    expect(installed.body.cloned_items).toEqual(expect.arrayContaining([
      { type: 'agent', name: 'Analyst', id: expect.stringMatching(/^agent_/), template_id: null },
      { type: 'agent', name: 'Critic', id: expect.stringMatching(/^agent_/), template_id: null },
      { type: 'recipe', name: 'Weekly digest', id: expect.stringMatching(/^rcp_/), template_id: 'digest' },
    ]));
    expect(installed.body.cloned_items).toHaveLength(3);
    expect(clonedAgent.id).not.toBe(analyst);
    const copy = (await rest(t, 'GET', `${BASE}/digest`, undefined, as(installer))).body;
    expect(copy.steps.map((step: { agent_id: string; agent: { name: string } | null }) => [step.agent_id, step.agent?.name])).toEqual([[clonedAgent.id, 'Analyst'], [clonedAgent.id, 'Analyst']]);
    expect(copy.execution_config.judge).toEqual({ agent_id: clonedCritic.id, criteria: 'Concise' });
    expect((await rest(t, 'GET', `/api/agents/${clonedAgent.id}`, undefined, as(author))).status).toBe(404);
    expect((await rest(t, 'GET', `/api/marketplace/items/${itemId}`, undefined, as(installer))).body).toMatchObject({ install_count: 1, is_mine: false });

    const theirs = await watchExecutions(t, installer.tenantId);
    const run = await rest(t, 'POST', `${BASE}/digest/execute`, { input_data: { topic: 'tides' } }, as(installer));
    expect(run.status).toBe(202);
    expect((await theirs.until(run.body.recipe_execution_id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
    await theirs.stop();
    const detail = (await rest(t, 'GET', `${BASE}/digest/executions/${run.body.recipe_execution_id}`, undefined, as(installer))).body;
    expect(detail.step_results.map((step: { agent_id: string; status: string }) => [step.agent_id, step.status])).toEqual([[clonedAgent.id, 'completed'], [clonedAgent.id, 'completed']]);
  });
});

describe('submitting', () => {
  it('answers 404 for an unknown recipe, 400 without one or for a listed name, and a rejection frees the name', async () => {
    const tenant = await createTenant(t.app.database.db, 'namer');
    expect((await submit(tenant, 'nothing-here')).status).toBe(404);
    const missing = await rest(t, 'POST', `${BASE}/submit`, { category: 'x' }, as(tenant));
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/recipe_id/);
    expect((await rest(t, 'POST', `${BASE}/submit`, { recipe_id: 'a', surprise: 1 }, as(tenant))).status).toBe(400);

    const agent = await agentOf(tenant, 'Namer');
    await recipeOf(tenant, 'first', 'Shared Name', agent);
    await recipeOf(tenant, 'second', 'shared name', agent);
    const first = await submit(tenant, 'first');
    expect(first.status).toBe(200);
    const clash = await submit(tenant, 'second');
    expect(clash.status).toBe(400);
    expect(clash.body.detail).toMatch(/"shared name" is already listed/);

    const rejected = await rest(t, 'POST', `/api/marketplace/items/${first.body.item_id}/reject`, { reason: 'Too vague' }, admin);
    expect(rejected.body).toMatchObject({ status: 'rejected', review_note: 'Too vague' });
    const mine = (await rest(t, 'GET', `/api/marketplace/items/${first.body.item_id}`, undefined, as(tenant))).body;
    expect(mine).toMatchObject({ status: 'rejected', review_note: 'Too vague', is_mine: true });
    expect((await submit(tenant, 'second')).status).toBe(200);
  });

  it('approves the submissions of an author with five approved items at once (the trust rule)', async () => {
    const tenant = await createTenant(t.app.database.db, 'prolific');
    const agent = await agentOf(tenant, 'Writer');
    for (let n = 1; n <= 6; n++) await recipeOf(tenant, `trusted-${n}`, `Trusted ${n}`, agent);
    for (let n = 1; n <= 5; n++) {
      const submitted = await submit(tenant, `trusted-${n}`);
      expect(submitted.body.auto_approved).toBe(false);
      expect((await rest(t, 'POST', `/api/marketplace/items/${submitted.body.item_id}/approve`, undefined, admin)).status).toBe(200);
    }
    const sixth = await submit(tenant, 'trusted-6');
    expect(sixth.body.auto_approved).toBe(true);
    expect((await rest(t, 'GET', `/api/marketplace/items/${sixth.body.item_id}`, undefined, as(installer))).body.status).toBe('approved');
  });
});

describe('installing', () => {
  it('gives concurrent installs of one item distinct names and template_ids, counts each, and warns of missing tool servers', async () => {
    const tenant = await createTenant(t.app.database.db, 'toolsmith');
    const agent = await agentOf(tenant, 'Searcher', ['github']);
    await recipeOf(tenant, 'searching', 'Searching', agent);
    const submitted = await submit(tenant, 'searching');
    await rest(t, 'POST', `/api/marketplace/items/${submitted.body.item_id}/approve`, undefined, admin);

    const target = await createTenant(t.app.database.db, 'busy');
    const installs = await Promise.all([1, 2, 3].map(() => rest(t, 'POST', `${BASE}/install/${submitted.body.item_id}`, undefined, as(target))));
    expect(installs.map((install) => install.status)).toEqual([200, 200, 200]);
    const recipes = installs.map((install) => install.body.cloned_items.find((item: { type: string }) => item.type === 'recipe'));
    expect(recipes.map((recipe) => recipe.template_id).sort()).toEqual(['searching', 'searching-copy', 'searching-copy-2']);
    expect(recipes.map((recipe) => recipe.name).sort()).toEqual(['Searching', 'Searching (Copy 2)', 'Searching (Copy)']);
    expect(installs[0].body.warnings).toEqual([expect.stringMatching(/tool server github, which this workspace has not registered/)]);
    expect((await rest(t, 'GET', `/api/marketplace/items/${submitted.body.item_id}`, undefined, as(target))).body.install_count).toBe(3);
  });

  it('answers 404 for an unknown item, and `install/<a recipe route>` is still an install', async () => {
    expect((await rest(t, 'POST', `${BASE}/install/mkt_unknown`, undefined, as(installer))).status).toBe(404);
    const shadowed = await rest(t, 'POST', `${BASE}/install/execute`, undefined, as(installer));
    expect(shadowed.status).toBe(404);
    expect(shadowed.body.error).toBe('Marketplace item not found');
  });
});
