import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';

const MARKDOWN = `# Greeter
## Inputs
- name: Who to greet (string, required)
## Agents
### Writer
Writes.
## Steps
### Greet
Agent: Writer
Greet {{inputs.name}}.
`;

let t: TestApp;
let workflowId: string;
beforeAll(async () => {
  t = await startTestApp({ env: { BATON_CORS_ORIGINS: 'https://app.example.com' } });
  workflowId = await createWorkflowId(t, MARKDOWN);
});
afterAll(() => t.stop());

/** Sends raw bytes and resolves with the status line of the answer (or '' when the server just closes). */
async function raw(bytes: string): Promise<string> {
  const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // node:http may reset the connection right after answering a request it refuses (Node 24 does):
  // the answer has arrived by then, so a reset only ends the read (events.once would reject on it).
  socket.on('error', () => {});
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(bytes);
  await closed;
  return text.split('\r\n')[0];
}

const healthy = async () => expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

async function graphql(query: string, variables?: unknown) {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...credentialsOf(t.tenant) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

describe('requests no server should choke on', () => {
  it('answers a Host header that is not a host, a bad request line, a forbidden method and huge headers, and stays up', async () => {
    expect(await raw('GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 200 OK');
    expect(await raw('GET /workflows HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 401 Unauthorized');
    expect(await raw('NONSENSE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw('TRACE /graphql HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    await healthy();
  });

  it('serves others while a client trickles its headers', async () => {
    const slow = connect(Number(new URL(t.url).port), '127.0.0.1');
    await once(slow, 'connect');
    slow.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    await healthy();
    slow.write('still coming\r\n');
    await healthy();
    slow.destroy();
  });

  it('answers 400 naming the parameter for malformed percent-encoding, NUL or a lone surrogate in a path', async () => {
    for (const path of ['/workflows/%E0%A4%A', '/orchestrator/executions/%ZZ/steps', '/workflows/abc%00def', '/workflows/%ED%A0%80']) {
      const { status, body } = await rest(t, 'GET', path);
      expect(status, path).toBe(400);
      expect(body.detail, path).toMatch(/path parameter `?id`?/);
    }
    const share = await fetch(`${t.url}/s/%ZZ`);
    expect(share.status).toBe(400);
    expect((await share.json()).detail).toContain('`slug` is not valid percent-encoding');
  });

  it('answers 400 naming the field for NUL or a lone surrogate in bodies, queries and GraphQL, storing nothing', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/workflows', { markdown: `${MARKDOWN}\u0000` }, /`body\.markdown` contains a NUL character/],
      ['POST', `/workflows/${workflowId}/run`, { inputs: { name: 'Ada\ud800' } }, /`body\.inputs\.name` contains a lone UTF-16 surrogate/],
      ['POST', `/workflows/${workflowId}/run`, { inputs: { ['na\u0000me']: 'x' } }, /a key of `body\.inputs` contains a NUL character/],
      ['POST', '/executions/exe_x/refine', { prompt: 'shorter\udc00' }, /`body\.prompt` contains a lone UTF-16 surrogate/],
      ['POST', '/executions/exe_x/steps/greet/approve', { approved: false, reason: 'no\u0000' }, /`body\.reason` contains a NUL character/],
      ['GET', '/executions?status=%00', undefined, /`query parameter status` contains a NUL character/],
    ];
    for (const [method, path, body, detail] of cases) {
      const answer = await rest(t, method, path, body);
      expect(answer.status, `${path} ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.detail, path).toMatch(detail);
    }
    const variables = await graphql('query ($search: String) { workflows(search: $search) { edges { node { id } } } }', { search: 'x\u0000' });
    expect(variables.status).toBe(400);
    expect(variables.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', detail: '`variables.search` contains a NUL character' });
    const literal = await graphql('mutation { createWorkflow(markdown: "# A\\u0000") { __typename } }');
    expect(literal.status, JSON.stringify(literal.body)).toBe(400);
    expect(literal.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', detail: 'the string at line 1, column 37 of the query contains a NUL character' });
    expect(await t.app.database.db.workflow.count()).toBe(1);
  });
});

describe('share links', () => {
  it('ten concurrent shares of one execution all answer the same link', async () => {
    const executions = await watchExecutions(t);
    const executionId = await startExecutionId(t, workflowId, { name: 'Ada' });
    await executions.until(executionId, ['completed']);
    await executions.stop();
    const answers = await Promise.all(Array.from({ length: 10 }, () => rest(t, 'POST', `/executions/${executionId}/share`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.body.share_url)).size).toBe(1);
  });
});

describe('browsers', () => {
  it('allows only listed origins (CORS), without credentials, and answers their preflights', async () => {
    const ask = (origin: string) =>
      fetch(`${t.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    const listed = await ask('https://app.example.com');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(listed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await ask('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${t.url}/workflows`, { headers: { origin: 'https://evil.example', ...credentialsOf(t.tenant) } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', ...credentialsOf(t.tenant) }, body: JSON.stringify({ query: '{ viewer { tenant { id } } }' }) });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(post.headers.get('access-control-allow-credentials')).toBeNull();
    const allowed = await fetch(`${t.url}/workflows`, { headers: { origin: 'https://app.example.com', ...credentialsOf(t.tenant) } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('serves every HTML page with a CSP that forbids framing, nosniff and a referrer policy', async () => {
    for (const path of ['/graphql', '/dashboard']) {
      const page = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(page.headers.get('referrer-policy'), path).toBeTruthy();
    }
  });
});
