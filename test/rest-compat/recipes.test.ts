import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

let t: TestApp;
let researcher: string;
let writer: string;
beforeAll(async () => {
  t = await startTestApp();
  researcher = (await rest(t, 'POST', '/api/agents', { name: 'Researcher', description: 'Finds sources.', model: 'sonnet', tools: ['web-search'] })).body.id;
  writer = (await rest(t, 'POST', '/api/agents', { name: 'Writer', description: 'Writes briefs.', model: 'offline' })).body.id;
});
afterAll(() => t.stop());

const SPEC_FIELDS = [
  'id', 'template_id', 'name', 'description', 'tags', 'template_definition', 'steps', 'inputs', 'outputs', 'execution_config', 'schedule_config',
  'recommended_agents', 'required_tools', 'quality_score', 'learning_data', 'use_count', 'success_rate', 'popularity', 'average_rating', 'install_count',
  'is_public', 'is_featured', 'is_system', 'is_approved', 'preview_image', 'documentation_url', 'version', 'changelog', 'owner_type', 'cloned_from_id',
  'created_by', 'created_at', 'updated_at', 'last_used_at', 'is_marketplace_item',
];

const brief = (templateId: string, extra: Record<string, unknown> = {}) => ({
  template_id: templateId,
  name: 'Research brief',
  description: 'Researches a topic, then writes a brief.',
  tags: ['research', 'writing'],
  inputs: { topic: { type: 'string', required: true } },
  steps: [
    { step_id: 'research', order: 1, agent_id: researcher, prompt_template: 'Research {input.topic}.' },
    { step_id: 'write', order: 2, agent_id: writer, prompt_template: 'Write a brief from: {previous_output}' },
  ],
  ...extra,
});

const RecipePlan = graphql(`
  query TestRecipePlan($templateId: String!) {
    recipe(templateId: $templateId) {
      id
      plan {
        steps {
          id
          agent
          prompt
        }
        agents {
          id
        }
      }
    }
  }
`);

const RecipeQueries = graphql(`
  query TestRecipeQueries($node: ID!) {
    recipes(first: 2, sortBy: NAME, isPublic: null) {
      totalCount
      edges {
        node {
          templateId
        }
      }
    }
    featuredRecipes(limit: 5) {
      templateId
    }
    recipeCategories {
      name
      count
    }
    node(id: $node) {
      __typename
      ... on Recipe {
        templateId
      }
    }
  }
`);

const RecipeWithoutRef = graphql(`
  query TestRecipeWithoutRef {
    recipe {
      id
    }
  }
`);

const CreateRecipeGql = graphql(`
  mutation TestCreateRecipe($input: JSON!) {
    createRecipe(input: $input) {
      __typename
      ... on Recipe {
        templateId
      }
      ... on Error {
        code
        detail
      }
    }
  }
`);

/** A tenant of its own, for tests that count or order the whole list. */
async function freshTenant(name: string) {
  const tenant = await createTenant(t.app.database.db, name);
  const headers = credentialsOf(tenant);
  const agent = (await rest(t, 'POST', '/api/agents', { name: 'Solo', description: 'Does it.', model: 'sonnet' }, headers)).body.id;
  const recipe = (templateId: string, extra: Record<string, unknown> = {}) => ({
    template_id: templateId,
    name: templateId,
    steps: [{ step_id: 's', order: 1, agent_id: agent, prompt_template: 'Go.' }],
    ...extra,
  });
  return { tenant, headers, agent, recipe };
}

describe('/api/workflow-recipes', () => {
  it('creates a recipe over stored agents: 201 with every field of the spec, defaults filled', async () => {
    const created = await rest(t, 'POST', '/api/workflow-recipes', brief('research-brief'));
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^rcp_[0-9a-z]{25}$/),
      template_id: 'research-brief',
      tags: ['research', 'writing'],
      template_definition: {},
      execution_config: { mode: 'sequential', max_retries: 1, timeout_per_step: 300, total_timeout: 600, auto_learning: true },
      schedule_config: null,
      quality_score: null,
      learning_data: null,
      use_count: 0,
      is_public: true,
      is_featured: false,
      is_system: false,
      version: '1.0',
      owner_type: 'workspace',
      last_used_at: null,
    });
    const { body } = await t.request(RecipePlan, { templateId: 'research-brief' });
    expect(body.data?.recipe?.plan.steps.map((step) => step.agent)).toEqual([researcher, writer]);
  });

  it('names every problem with its JSON path at once, and stores nothing', async () => {
    const before = await t.app.database.db.recipe.count();
    const answer = await rest(t, 'POST', '/api/workflow-recipes', {
      template_id: 'broken',
      name: 'Broken',
      steps: [
        { step_id: 'one', order: 1, agent_id: 'agent_nope', prompt_template: 'Do {input.topic} and {bogus}', depends_on: ['three'] },
        { step_id: 'one', order: 2, agent_id: researcher, prompt_template: 'b' },
        { step_id: 'three', order: 3, agent_id: researcher, prompt_template: 'c', depends_on: ['one'] },
      ],
      execution_config: { mode: 'parallel', max_retries: -1 },
      schedule_config: { type: 'cron', cron_expression: 'every day' },
    });
    expect(answer).toMatchObject({ status: 400, body: { error: 'Invalid recipe' } });
    const detail: string = answer.body.detail;
    expect(detail).toContain('steps[0].agent_id: No agent of this workspace has the id `agent_nope`');
    expect(detail).toContain('steps[0].prompt_template: `{bogus}` is not a placeholder');
    expect(detail).toContain('steps[0].prompt_template: `{input.topic}` names no input');
    expect(detail).toContain('steps[0].depends_on: Dependency cycle: one → three → one');
    expect(detail).toContain('steps[1].step_id: `one` is already the step_id of steps[0]');
    expect(detail).toContain('execution_config.max_retries: `max_retries` must be a whole number from 0 to 10');
    expect(detail).toContain('schedule_config.cron_expression: "every day" is no cron expression');
    expect(await t.app.database.db.recipe.count()).toBe(before);

    const typed = await rest(t, 'POST', '/api/workflow-recipes', { name: 'x', steps: 'none' });
    expect(typed.status).toBe(400);
    expect(typed.body.detail).toBe('field `template_id` is required (string); field `steps` must be an array, got string');
  });

  it('names problems by path through GraphQL too (the JSON input), including fields REST would drop', async () => {
    const { body } = await t.request(CreateRecipeGql, { input: { template_id: 'bad slug!', name: '', steps: [], use_count: 5 } });
    const result = body.data?.createRecipe;
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'BAD_REQUEST' });
    const detail = (result as { detail: string }).detail;
    expect(detail).toContain('template_id: `template_id` is a slug');
    expect(detail).toContain('use_count: `use_count` is not a field a client sets');
    expect(detail).toContain('steps: `steps` is empty');
  });

  it('answers 409 for a template_id the workspace has, and exactly one of two concurrent creates wins', async () => {
    await rest(t, 'POST', '/api/workflow-recipes', brief('taken'));
    const again = await rest(t, 'POST', '/api/workflow-recipes', brief('taken'));
    expect(again).toMatchObject({ status: 409, body: { error: 'Recipe already exists' } });
    expect(again.body.detail).toContain('taken');

    const racing = await Promise.all([1, 2, 3].map(() => rest(t, 'POST', '/api/workflow-recipes', brief('race'))));
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 409, 409]);
    expect(await t.app.database.db.recipe.count({ where: { templateId: 'race' } })).toBe(1);

    // The same template_id in another workspace is another recipe.
    const other = await freshTenant('other-templates');
    expect((await rest(t, 'POST', '/api/workflow-recipes', other.recipe('taken'), other.headers)).status).toBe(201);
  });

  it('lists with filters, every sort order (ties stable by id), and paging bounds', async () => {
    const { headers, recipe } = await freshTenant('listing');
    const db = t.app.database.db;
    for (const [id, extra] of [
      ['alpha', { description: 'About FOXES', tags: ['a', 'b'] }],
      ['bravo', { is_featured: true, tags: ['a'] }],
      ['charlie', { is_featured: true }],
      ['delta', { is_public: false, tags: ['z'] }],
      ['echo', {}],
    ] as const) {
      expect((await rest(t, 'POST', '/api/workflow-recipes', recipe(id, extra), headers)).status).toBe(201);
    }
    const tenantId = headers['x-tenant-id'];
    await db.recipe.updateMany({ where: { tenantId, templateId: 'charlie' }, data: { popularity: 9, useCount: 3, averageRating: 4.5 } });
    await db.recipe.updateMany({ where: { tenantId, templateId: 'echo' }, data: { popularity: 9, useCount: 7, averageRating: 1 } });
    const ids = Object.fromEntries((await db.recipe.findMany({ where: { tenantId } })).map((r) => [r.templateId, r.id]));
    const byId = (a: string, b: string) => (ids[a] < ids[b] ? -1 : 1);
    const names = async (query: string) => {
      const answer = await rest(t, 'GET', `/api/workflow-recipes${query}`, undefined, headers);
      expect(answer.status).toBe(200);
      return answer.body.items.map((item: { template_id: string }) => item.template_id);
    };

    // Public only by default; popularity first, equal popularity by id.
    expect(await names('')).toEqual([...['charlie', 'echo'].sort(byId), ...['alpha', 'bravo'].sort(byId)]);
    expect(await names('?sort_by=use_count')).toEqual(['echo', 'charlie', ...['alpha', 'bravo'].sort(byId)]);
    expect(await names('?sort_by=average_rating')).toEqual(['charlie', 'echo', ...['alpha', 'bravo'].sort(byId)]);
    expect(await names('?sort_by=name')).toEqual(['alpha', 'bravo', 'charlie', 'echo']);
    expect((await names('?sort_by=created_at')).sort()).toEqual(['alpha', 'bravo', 'charlie', 'echo']);
    expect(await names('?is_public=false')).toEqual(['delta']);
    expect(await names('?is_featured=true&sort_by=name')).toEqual(['bravo', 'charlie']);
    expect(await names('?search=foxes')).toEqual(['alpha']);

    const page = await rest(t, 'GET', '/api/workflow-recipes?sort_by=name&skip=1&limit=2', undefined, headers);
    expect(page.body).toMatchObject({ total: 4, skip: 1, limit: 2, items: [{ template_id: 'bravo' }, { template_id: 'charlie' }] });
    for (const [query, parameter] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['skip=-1', 'skip'], ['sort_by=bogus', 'sort_by'], ['is_public=yes', 'is_public']]) {
      const bad = await rest(t, 'GET', `/api/workflow-recipes?${query}`, undefined, headers);
      expect(bad.status, query).toBe(400);
      expect(bad.body.detail).toContain(`query parameter \`${parameter}\``);
    }

    // Categories: the tags of public recipes; featured: featured public ones by popularity.
    expect((await rest(t, 'GET', '/api/workflow-recipes/categories/list', undefined, headers)).body).toEqual({
      categories: [{ name: 'a', count: 2 }, { name: 'b', count: 1 }],
      total: 2,
    });
    const featured = await rest(t, 'GET', '/api/workflow-recipes/featured/list?limit=1', undefined, headers);
    expect(featured.body).toMatchObject({ total: 2, limit: 1, items: [{ template_id: 'charlie' }] });
    expect((await rest(t, 'GET', '/api/workflow-recipes/featured/list?limit=51', undefined, headers)).status).toBe(400);
  });

  it('gets a recipe by template_id or id, each step enriched with its agent', async () => {
    const created = (await rest(t, 'POST', '/api/workflow-recipes', brief('enriched'))).body;
    const got = await rest(t, 'GET', '/api/workflow-recipes/enriched');
    expect(got.status).toBe(200);
    expect(got.body.steps.map((step: { agent: unknown }) => step.agent)).toEqual([
      { id: researcher, name: 'Researcher', model: 'sonnet', provider: 'anthropic', tool_count: 1, status: 'active' },
      { id: writer, name: 'Writer', model: 'offline', provider: 'offline', tool_count: 0, status: 'active' },
    ]);
    expect((await rest(t, 'GET', `/api/workflow-recipes/${created.id}`)).body.template_id).toBe('enriched');
    expect(await rest(t, 'GET', '/api/workflow-recipes/nothing-here')).toMatchObject({ status: 404, body: { error: 'Recipe not found' } });
  });

  it('updates part of a recipe, re-validates and recompiles it', async () => {
    await rest(t, 'POST', '/api/workflow-recipes', brief('editable'));
    const before = (await t.request(RecipePlan, { templateId: 'editable' })).body.data!.recipe!;
    const updated = await rest(t, 'PUT', '/api/workflow-recipes/editable', {
      name: 'Shorter brief',
      steps: [{ step_id: 'only', order: 1, agent_id: writer, prompt_template: 'Write about {input.topic}.' }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Shorter brief', description: 'Researches a topic, then writes a brief.', tags: ['research', 'writing'] });
    const after = (await t.request(RecipePlan, { templateId: 'editable' })).body.data!.recipe!;
    expect(before.plan.steps.map((step) => step.id)).toEqual(['research', 'write']);
    expect(after.plan.steps).toEqual([{ id: 'only', agent: writer, prompt: 'Write about {{inputs.topic}}.' }]);
    expect(after.plan.agents.map((agent) => agent.id)).toEqual([writer]);

    const invalid = await rest(t, 'PUT', '/api/workflow-recipes/editable', { steps: [{ step_id: 'x', order: 1, agent_id: writer, prompt_template: '{nope}' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toContain('steps[0].prompt_template: `{nope}`');
    expect((await rest(t, 'GET', '/api/workflow-recipes/editable')).body.name).toBe('Shorter brief');
    expect((await rest(t, 'PUT', '/api/workflow-recipes/missing', { name: 'x' })).status).toBe(404);
  });

  it('refuses to change or delete a system recipe (403), deletes others', async () => {
    const created = (await rest(t, 'POST', '/api/workflow-recipes', brief('system-one'))).body;
    await t.app.database.db.recipe.update({ where: { id: created.id }, data: { isSystem: true } });
    expect(await rest(t, 'PUT', '/api/workflow-recipes/system-one', { name: 'Mine now' })).toMatchObject({ status: 403, body: { error: 'System recipe' } });
    expect(await rest(t, 'DELETE', '/api/workflow-recipes/system-one')).toMatchObject({ status: 403, body: { error: 'System recipe' } });
    expect((await rest(t, 'POST', '/api/workflow-recipes/system-one/use')).status).toBe(200);

    await rest(t, 'POST', '/api/workflow-recipes', brief('doomed'));
    expect(await rest(t, 'DELETE', '/api/workflow-recipes/doomed')).toMatchObject({ status: 200, body: { success: true, message: 'Recipe doomed deleted' } });
    expect((await rest(t, 'GET', '/api/workflow-recipes/doomed')).status).toBe(404);
    expect((await rest(t, 'DELETE', '/api/workflow-recipes/doomed')).status).toBe(404);
  });

  it('counts uses', async () => {
    await rest(t, 'POST', '/api/workflow-recipes', brief('used'));
    const first = await rest(t, 'POST', '/api/workflow-recipes/used/use');
    expect(first.body).toMatchObject({ use_count: 1, last_used_at: expect.any(String) });
    expect((await rest(t, 'POST', '/api/workflow-recipes/used/use')).body.use_count).toBe(2);
    expect((await rest(t, 'POST', '/api/workflow-recipes/unknown/use')).status).toBe(404);
  });

  it("keeps workspaces apart: another workspace's recipe is not found", async () => {
    const created = (await rest(t, 'POST', '/api/workflow-recipes', brief('private-to-us'))).body;
    const other = credentialsOf(await createTenant(t.app.database.db, 'outsider'));
    for (const ref of ['private-to-us', created.id]) {
      expect((await rest(t, 'GET', `/api/workflow-recipes/${ref}`, undefined, other)).status).toBe(404);
      expect((await rest(t, 'PUT', `/api/workflow-recipes/${ref}`, { name: 'Mine' }, other)).status).toBe(404);
      expect((await rest(t, 'DELETE', `/api/workflow-recipes/${ref}`, undefined, other)).status).toBe(404);
      expect((await rest(t, 'POST', `/api/workflow-recipes/${ref}/use`, undefined, other)).status).toBe(404);
    }
    expect((await rest(t, 'GET', '/api/workflow-recipes', undefined, other)).body.total).toBe(0);
    // Steps may name only this workspace's agents.
    const foreign = await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'foreign', name: 'F', steps: [{ step_id: 's', order: 1, agent_id: researcher, prompt_template: 'x' }] }, other);
    expect(foreign.status).toBe(400);
    expect(foreign.body.detail).toContain('steps[0].agent_id');
  });

  it('refuses to delete an agent a recipe runs (409 naming the recipe)', async () => {
    const { headers, agent, recipe } = await freshTenant('agent-in-use');
    await rest(t, 'POST', '/api/workflow-recipes', recipe('uses-solo'), headers);
    const refused = await rest(t, 'DELETE', `/api/agents/${agent}`, undefined, headers);
    expect(refused).toMatchObject({ status: 409, body: { error: 'Agent in use' } });
    expect(refused.body.detail).toContain('uses-solo');
    await rest(t, 'DELETE', '/api/workflow-recipes/uses-solo', undefined, headers);
    expect((await rest(t, 'DELETE', `/api/agents/${agent}`, undefined, headers)).status).toBe(200);
  });

  it('serves recipes in GraphQL: the connection, featured, categories and node(id:)', async () => {
    const { headers, recipe } = await freshTenant('graphql-recipes');
    const ids: string[] = [];
    for (const name of ['b-one', 'a-two', 'c-three']) ids.push((await rest(t, 'POST', '/api/workflow-recipes', recipe(name, { tags: ['x'], is_featured: name === 'c-three' }), headers)).body.id);
    const { body } = await t.request(RecipeQueries, { node: ids[0] }, headers);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      recipes: { totalCount: 3, edges: [{ node: { templateId: 'a-two' } }, { node: { templateId: 'b-one' } }] },
      featuredRecipes: [{ templateId: 'c-three' }],
      recipeCategories: [{ name: 'x', count: 3 }],
      node: { __typename: 'Recipe', templateId: 'b-one' },
    });
    // Another workspace's recipe is no node.
    expect((await t.request(RecipeQueries, { node: ids[0] })).body.data?.node).toBeNull();
    const missing = await t.request(RecipeWithoutRef, {});
    expect(missing.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('gives trigger and webhook schedules a webhook id kept across updates, and never shows the secret', async () => {
    const created = await rest(t, 'POST', '/api/workflow-recipes', brief('hooked', { schedule_config: { type: 'webhook', webhook_secret: 's3cret' } }));
    expect(created.status).toBe(201);
    const webhookId = created.body.schedule_config.webhook_id;
    expect(webhookId).toMatch(/^whk_/);
    expect(created.body.schedule_config).not.toHaveProperty('webhook_secret');
    const updated = await rest(t, 'PUT', '/api/workflow-recipes/hooked', { schedule_config: { type: 'trigger', trigger_config: { event: 'push' } } });
    expect(updated.body.schedule_config).toEqual({ type: 'trigger', trigger_config: { event: 'push' }, webhook_id: webhookId });
    const cron = await rest(t, 'PUT', '/api/workflow-recipes/hooked', { schedule_config: { type: 'cron', cron_expression: '0 9 * * 1-5', timezone: 'Mars/Olympus' } });
    expect(cron.status).toBe(400);
    expect(cron.body.detail).toBe('schedule_config.timezone: `timezone` is an IANA time zone such as "Europe/Paris", not the string "Mars/Olympus".');
  });

  it('orders an agent delete and a recipe create that uses it: one of them is refused, never both accepted', async () => {
    const { headers, recipe } = await freshTenant('delete-race');
    const agent = (await rest(t, 'POST', '/api/agents', { name: 'Racer', description: 'Races.', model: 'sonnet' }, headers)).body.id;
    const racing = recipe('racy', { steps: [{ step_id: 's', order: 1, agent_id: agent, prompt_template: 'Go.' }] });
    const [created, deleted] = await Promise.all([rest(t, 'POST', '/api/workflow-recipes', racing, headers), rest(t, 'DELETE', `/api/agents/${agent}`, undefined, headers)]);
    expect([[201, 409], [400, 200]]).toContainEqual([created.status, deleted.status]);
  });

  it('accepts `Authorization: ApiKey`', async () => {
    const answer = await rest(t, 'GET', '/api/workflow-recipes', undefined, { authorization: `ApiKey ${t.tenant.apiKey}`, 'x-workspace-id': t.tenant.tenantId });
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBeGreaterThan(0);
  });
});
