import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { BATON_BODY_LIMIT: '4096' } });
});
afterAll(() => t.stop());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...credentialsOf(t.tenant), ...headers }, body });

describe('HTTP surface', () => {
  it('reports health of the database, the queue and pub/sub', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'ok', queue: 'ok', pubsub: 'ok', pubsub_kind: 'in-process' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${t.url}/no/such/thing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found', detail: 'No route for GET /no/such/thing' });
  });

  it('refuses bodies over the limit with 413 before reading them', async () => {
    const response = await post('/graphql', JSON.stringify({ query: `{ viewer { tenant { id } } } #${'x'.repeat(5000)}` }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'Payload too large', detail: expect.stringContaining('4096 bytes') });
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const response = await post('/graphql', '{"query": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0].message).toMatch(/invalid JSON/i);
  });

  it('answers a query that does not parse with 400 and the position (GraphQL over HTTP)', async () => {
    const response = await post('/graphql', JSON.stringify({ query: '{ viewer { ' }), { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; locations: unknown[] }[] };
    expect(body.errors[0].message).toMatch(/Syntax Error/);
    expect(body.errors[0].locations).toEqual([{ line: 1, column: 12 }]);
  });

  it('serves GraphiQL to browsers at /graphql, with subscriptions over WebSocket', async () => {
    const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('GraphiQL');
    expect(page).toContain('"subscriptionsProtocol":"WS"');
  });

  it('gives every response a request id, echoing the caller’s', async () => {
    const response = await fetch(`${t.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect((await fetch(`${t.url}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health when a dependency is down', () => {
  it('answers 503 and names pub/sub when Redis cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused at once.
    const broken = await startTestApp({ databaseUrl: t.databaseUrl, redisUrl: 'redis://127.0.0.1:1' });
    try {
      const response = await fetch(`${broken.url}/healthz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as Record<string, string>;
      expect(body).toMatchObject({ status: 'unavailable', database: 'ok', queue: 'ok', pubsub_kind: 'redis' });
      expect(body.pubsub).toMatch(/^error: /);
    } finally {
      await broken.stop();
    }
  });
});

describe('shutdown', () => {
  it('ends live streams and sockets cleanly instead of waiting them out', async () => {
    const app = await startTestApp({ databaseUrl: t.databaseUrl });
    const stream = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...credentialsOf(app.tenant) },
      body: JSON.stringify({ query: 'subscription { executionUpdates { executionId } }' }),
    });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const socket = app.wsClient();
    const closed = new Promise<{ code: number }>((resolve) => socket.on('closed', (event) => resolve(event as never)));
    const connected = new Promise((resolve) => socket.on('connected', resolve));
    void subscribeOnce(socket);
    await connected;

    await app.stop();
    expect((await closed).code).toBe(1001);
    // The SSE body ends (done), rather than failing with a reset connection.
    const reader = stream.body!.getReader();
    for (;;) if ((await reader.read()).done) break;
  });
});

function subscribeOnce(client: ReturnType<TestApp['wsClient']>) {
  return client.iterate({ query: 'subscription { executionUpdates { executionId } }' }).next().catch(() => {});
}
