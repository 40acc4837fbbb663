import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

const researcher = { name: 'Researcher', description: 'Finds and summarises sources.', model: 'sonnet', tools: ['web-search'] };

describe('/api/agents', () => {
  it('creates an agent with defaults, reads, updates part of it and deletes it', async () => {
    const created = await rest(t, 'POST', '/api/agents', researcher);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^agent_[0-9a-z]{25}$/),
      ...researcher,
      system_prompt: null,
      max_iterations: 25,
      status: 'active',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id;
    expect((await rest(t, 'GET', `/api/agents/${id}`)).body).toEqual(created.body);

    const updated = await rest(t, 'PUT', `/api/agents/${id}`, { status: 'inactive', system_prompt: 'You research.', max_iterations: 5 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ ...researcher, status: 'inactive', system_prompt: 'You research.', max_iterations: 5 });
    expect(Date.parse(updated.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

    expect(await rest(t, 'DELETE', `/api/agents/${id}`)).toMatchObject({ status: 200, body: { success: true, message: `Agent ${id} deleted` } });
    expect(await rest(t, 'GET', `/api/agents/${id}`)).toMatchObject({ status: 404, body: { error: 'Agent not found' } });
    expect((await rest(t, 'DELETE', `/api/agents/${id}`)).status).toBe(404);
  });

  it('names every problem of a body at once, and stores nothing', async () => {
    const before = await t.app.database.db.agent.count();
    const wrongTypes = await rest(t, 'POST', '/api/agents', { name: 3, model: 'sonnet', tools: 'x' });
    expect(wrongTypes).toMatchObject({ status: 400, body: { error: 'Bad request' } });
    expect(wrongTypes.body.detail).toBe('field `name` must be a string, got number; field `description` is required (string); field `tools` must be an array, got string');
    const invalid = await rest(t, 'POST', '/api/agents', { name: ' ', description: 'x', model: 'gpt-4', max_iterations: 0, tools: ['bad alias!'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toContain('`name` must not be empty');
    expect(invalid.body.detail).toContain('`model` "gpt-4" is no model');
    expect(invalid.body.detail).toContain('`maxIterations` must be an integer from 1 to 200');
    expect(invalid.body.detail).toContain('`tools` holds tool server aliases');
    expect(await t.app.database.db.agent.count()).toBe(before);
  });

  it('pages with skip and limit, counts the total, and searches', async () => {
    const tenant = await createTenant(t.app.database.db, 'paging');
    const headers = credentialsOf(tenant);
    for (const name of ['Alpha', 'Beta', 'Gamma']) await rest(t, 'POST', '/api/agents', { ...researcher, name }, headers);
    const page = await rest(t, 'GET', '/api/agents?skip=1&limit=1', undefined, headers);
    expect(page.body).toMatchObject({ total: 3, skip: 1, limit: 1, items: [{ name: 'Beta' }] });
    expect((await rest(t, 'GET', '/api/agents?search=GAM', undefined, headers)).body).toMatchObject({ total: 1, items: [{ name: 'Gamma' }] });
    expect((await rest(t, 'GET', '/api/agents?limit=101', undefined, headers))).toMatchObject({ status: 400, body: { detail: 'query parameter `limit` must be an integer from 1 to 100, got "101"' } });
  });

  it("keeps tenants apart: another workspace's agent is not found", async () => {
    const id = (await rest(t, 'POST', '/api/agents', researcher)).body.id;
    const other = credentialsOf(await createTenant(t.app.database.db, 'other'));
    expect((await rest(t, 'GET', `/api/agents/${id}`, undefined, other)).status).toBe(404);
    expect((await rest(t, 'PUT', `/api/agents/${id}`, { name: 'Mine' }, other)).status).toBe(404);
    expect((await rest(t, 'DELETE', `/api/agents/${id}`, undefined, other)).status).toBe(404);
    expect((await rest(t, 'GET', `/api/agents/${id}`)).body.name).toBe('Researcher');
  });

  it('accepts the product’s own spellings of the credentials: `Authorization: ApiKey` and X-Workspace-ID', async () => {
    const answer = await rest(t, 'GET', '/api/agents', undefined, { authorization: `ApiKey ${t.tenant.apiKey}`, 'x-workspace-id': t.tenant.tenantId });
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBeGreaterThan(0);
  });
});
