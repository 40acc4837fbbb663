import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

const VIEWER = '{ viewer { tenant { id } } }';

let t: TestApp;
afterEach(() => t.stop());

const post = (headers: Record<string, string>, query = VIEWER, accept = 'application/json') =>
  fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...headers }, body: JSON.stringify({ query }) });

describe('one rate limit for every transport', () => {
  it('counts WebSocket operations with HTTP and SSE ones against the tenant', async () => {
    t = await startTestApp({ env: { BATON_RATE_LIMIT: '10' } });
    const client = t.wsClient();
    // graphql-ws answers an operation refused before it runs with an `error` message: the iterator throws it.
    type Refusal = { message: string; extensions: { code: string; detail: string } }[];
    const results: (string | Refusal)[] = [];
    for (let i = 0; i < 12; i++) results.push(await client.iterate({ query: VIEWER }).next().then(() => 'ok', (errors: Refusal) => errors));
    expect(results.slice(0, 10)).toEqual(Array(10).fill('ok'));
    expect(results.slice(10)).toEqual(Array(2).fill([expect.objectContaining({ message: 'Too many requests', extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })]));
    expect((results[11] as Refusal)[0].extensions.detail).toMatch(/^This tenant is over its rate limit of 10 operations a minute; retry in \d+ s$/);

    // The same tenant over HTTP, SSE and REST: already over.
    const http = await post({ authorization: `Bearer ${t.tenant.apiKey}`, 'x-tenant-id': t.tenant.tenantId });
    expect(http.status).toBe(429);
    expect(Number(http.headers.get('retry-after'))).toBeGreaterThan(0);
    const sse = await post({ authorization: `Bearer ${t.tenant.apiKey}`, 'x-tenant-id': t.tenant.tenantId }, 'subscription { executionUpdates { executionId } }', 'text/event-stream');
    expect(await sse.text()).toContain('RATE_LIMITED');
    expect((await rest(t, 'GET', '/workflows')).status).toBe(429);
  });

  it('limits failed authentications per address, so rotating made-up keys gets nowhere', async () => {
    t = await startTestApp({ env: { BATON_AUTH_FAILURE_LIMIT: '5' } });
    const madeUp = () => ({ authorization: `Bearer bt_${'x'.repeat(25)}_${Math.random().toString(36).padEnd(43, 'a').slice(0, 43)}`, 'x-tenant-id': t.tenant.tenantId });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await post(madeUp())).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Refused before any key is looked up: the address is over, whatever it sends now.
    const refused = await rest(t, 'GET', '/workflows');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/^Too many failed authentications from this address \(over 5 a minute\); retry in \d+ s$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const socket = t.wsClient();
    const closed = new Promise<number>((resolve) => socket.on('closed', (event) => resolve((event as { code: number }).code)));
    void socket.iterate({ query: VIEWER }).next().catch(() => {});
    expect(await closed).toBe(4429);
  });

  it('counts anonymous introspection per client address', async () => {
    t = await startTestApp({ env: { BATON_RATE_LIMIT: '3' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post({}, '{ __schema { queryType { name } } }')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
