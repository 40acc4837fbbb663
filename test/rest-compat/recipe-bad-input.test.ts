import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS } from '../../rest-compat/mount.ts';
import { createTenant, type NewTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { rest } from '../support/rest.ts';

// Every route of the recipe API × hostile input: a 4xx with {error, detail} naming the problem, never a
// 500, and nothing half-written. Driven by the route table, so a new route is covered as it lands.

const ROUTES = PRODUCTS[1].routes;

let t: TestApp;
let stranger: NewTenant;
/** Path parameters of the stranger's resources: the caller's own requests must not reach them. */
const theirs: Record<string, string> = {};

async function counts() {
  const [row] = await t.app.database.db.$queryRaw<{ recipes: bigint; agents: bigint; executions: bigint; jobs: bigint }[]>`
    SELECT (SELECT count(*) FROM recipes) AS recipes, (SELECT count(*) FROM agents) AS agents,
           (SELECT count(*) FROM executions) AS executions, (SELECT count(*) FROM pgboss.job) AS jobs`;
  return row;
}

beforeAll(async () => {
  t = await startTestApp();
  stranger = await createTenant(t.app.database.db, 'stranger');
  const as = credentialsOf(stranger);
  const agent = (await rest(t, 'POST', '/api/agents', { name: 'Theirs', description: 'Theirs.', model: 'offline' }, as)).body.id;
  await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'theirs', name: 'Theirs', steps: [{ step_id: 's', order: 1, agent_id: agent, prompt_template: 'Go.' }] }, as);
  const watch = await watchExecutions(t, stranger.tenantId);
  const execution = (await rest(t, 'POST', '/api/workflow-recipes/theirs/execute', {}, as)).body.recipe_execution_id;
  await watch.until(execution, ['completed']);
  await watch.stop();
  Object.assign(theirs, { id: agent, recipe_id: 'theirs', execution_id: execution, step_order: '1' });
});
afterAll(() => t.stop());

const pathOf = (path: string, params: Record<string, string>) => path.replace(/:([a-z_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x'));

describe('the recipe API under hostile input', () => {
  it("answers 404 for another workspace's ids on every route that takes one, and writes nothing", async () => {
    const before = await counts();
    const routes = ROUTES.filter((route) => route.path.includes(':'));
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      const path = pathOf(route.path, theirs);
      const body = route.body ? {} : undefined;
      const answer = await rest(t, route.method, path, body);
      expect(answer.status, `${route.method} ${path}`).toBe(404);
      expect(answer.body.detail, `${route.method} ${path}`).toMatch(/No [\w ]+ with ID/);
    }
    expect(await counts()).toEqual(before);
  });

  it('names malformed JSON, a body that is not an object and unknown fields on every route that reads a body', async () => {
    const own = await rest(t, 'POST', '/api/agents', { name: 'Mine', description: 'Mine.', model: 'offline' });
    await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'mine', name: 'Mine', steps: [{ step_id: 's', order: 1, agent_id: own.body.id, prompt_template: 'Go.' }] });
    const params = { id: own.body.id, recipe_id: 'mine' };
    const before = await counts();
    const routes = ROUTES.filter((route) => route.body);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const route of routes) {
      const path = pathOf(route.path, params);
      const label = `${route.method} ${path}`;
      const malformed = await rest(t, route.method, path, '{"name": ');
      expect(malformed.status, label).toBe(400);
      expect(malformed.body.detail, label).toContain('not valid JSON');
      const list = await rest(t, route.method, path, '[1, 2]');
      expect(list.status, label).toBe(400);
      expect(list.body.detail, label).toContain('must be a JSON object, got array');
      const unknown = await rest(t, route.method, path, { bogus_field: 1 });
      expect(unknown.status, label).toBe(400);
      expect(unknown.body.detail, label).toContain('`bogus_field`');
    }
    expect(await counts()).toEqual(before);
  });

  it('names each bad query parameter value (400), and never answers 500 for any value', async () => {
    const values = ['-1', '0', '101', '1e3', 'abc', 'true', ' ', '9'.repeat(30), '../x', "' OR 1=1 --"];
    for (const route of ROUTES.filter((r) => r.query)) {
      const path = pathOf(route.path, { recipe_id: 'theirs', id: 'x' });
      for (const name of Object.keys(route.query!.shape)) {
        for (const value of values) {
          const url = `${path}?${name}=${encodeURIComponent(value)}`;
          const answer = await rest(t, 'GET', url, undefined, credentialsOf(stranger));
          // A filter naming an object by id answers 404 when the workspace has no such object.
          expect(name.endsWith('_id') ? [200, 400, 404] : [200, 400], url).toContain(answer.status);
          if (answer.status === 400) expect(answer.body.detail, url).toContain(`\`${name}\``);
          if (answer.status === 404) expect(answer.body.detail, url).toMatch(/No [\w ]+ with ID/);
        }
      }
    }
  });
});
