import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

// The statuses the contract test cannot reach with a well-behaved server: 413, 429 and a masked 500.

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
