import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../rest-compat/appxen/routes.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

// The statuses the contract test cannot reach with a well-behaved server: 413, 429 and a masked 500,
// and the OpenAPI document that describes every route.

const MARKDOWN = `# Tiny
## Agents
### Writer
Writes.
Model: offline
## Steps
### Final
Agent: Writer
Write.
`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { BATON_BODY_LIMIT: '4096', BATON_RATE_LIMIT: '40' } });
});
afterAll(() => t.stop());

describe('REST error statuses', () => {
  it('answers 413 for a body over the limit, in the documented error shape', async () => {
    const { status, body } = await rest(t, 'POST', '/orchestrator/workflows', { markdown: `${MARKDOWN}\n${'x'.repeat(5000)}` });
    expect(status).toBe(413);
    expect(body).toEqual({ error: 'Payload too large', detail: 'Request bodies are limited to 4096 bytes' });
  });

  it('answers a masked 500 naming a request id when stored data breaks a request', async () => {
    const id = (await rest(t, 'POST', '/workflows', { markdown: MARKDOWN })).body.id;
    await t.app.database.db.workflow.update({ where: { id }, data: { plan: { broken: true } } });
    const { status, body, headers } = await rest(t, 'GET', `/workflows/${id}`);
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'Internal server error', detail: expect.stringContaining(headers.get('x-request-id')!) });
    expect(JSON.stringify(body)).not.toMatch(/broken|TypeError|Cannot read/);
  });

  it('answers 429 with Retry-After once a key is over its rate limit, for REST and GraphQL alike', async () => {
    let last = await rest(t, 'GET', '/executions');
    for (let i = 0; i < 60 && last.status !== 429; i++) last = await rest(t, 'GET', '/executions');
    expect(last.status).toBe(429);
    expect(last.body).toEqual({ error: 'Too many requests', detail: expect.stringMatching(/^This tenant is over its rate limit of 40 operations a minute; retry in \d+ s$/) });
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    const graphql = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.apiKey}`, 'x-tenant-id': t.tenant.tenantId },
      body: JSON.stringify({ query: '{ viewer { tenant { id } } }' }),
    });
    expect(graphql.status).toBe(429);
    expect((await graphql.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});

describe('/openapi.json', () => {
  it('describes every route of the table under both mounts, with bodies, statuses and examples', async () => {
    const response = await fetch(`${t.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe('3.0.3');
    expect(document.servers.map((s: { url: string }) => new URL(s.url).pathname)).toEqual(['/', '/orchestrator']);
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(routes.map((route) => `${route.method} ${route.path.replace(/:([a-z_]+)/g, '{$1}')}`).sort());
    const run = document.paths['/workflows/{id}/run'].post;
    expect(run.requestBody.content['application/json'].schema.properties.inputs.type).toBe('object');
    expect(Object.keys(run.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '404', '413', '429', '500']));
    expect(run.responses['202'].content['application/json'].schema.required).toEqual(['execution_id', 'status', 'started_at']);
    expect((await (await fetch(`${t.url}/orchestrator/openapi.json`)).json()).paths).toEqual(document.paths);
  });

  it('documents every field the routes really answer with', async () => {
    // Another tenant: the rate limit test above used this one's up.
    const other = credentialsOf(await createTenant(t.app.database.db, 'openapi'));
    const document = await (await fetch(`${t.url}/openapi.json`)).json();
    const id = (await rest(t, 'POST', '/workflows', { markdown: MARKDOWN }, other)).body.id;
    const documented = document.paths['/workflows/{id}'].get.responses['200'].content['application/json'].schema;
    const actual = (await rest(t, 'GET', `/workflows/${id}`, undefined, other)).body;
    expect(Object.keys(actual).sort()).toEqual([...documented.required].sort());
    expect(Object.keys(actual.execution_plan).sort()).toEqual([...documented.properties.execution_plan.required].sort());
  });
});
