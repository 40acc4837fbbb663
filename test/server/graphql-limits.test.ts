import { readdirSync, readFileSync } from 'node:fs';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createWorkflowId } from '../support/runs.ts';

// Limits answer within this; the unguarded requests took from 10 s to past 60 s.
const QUICK_MS = 1000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createWorkflowId(t, readFileSync(new URL('../../docs/examples/workflows/parallel-perspectives.md', import.meta.url), 'utf8'));
});
afterAll(() => t.stop());

interface Answer {
  status: number;
  ms: number;
  body: { data?: Record<string, unknown>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(query: string, options: { variables?: Record<string, unknown>; credentials?: boolean } = {}): Promise<Answer> {
  const headers = { 'content-type': 'application/json', ...(options.credentials === false ? {} : credentialsOf(t.tenant)) };
  const started = performance.now();
  const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables }) });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, ms: performance.now() - started, body };
}

async function expectHealthy() {
  const started = performance.now();
  const response = await fetch(`${t.url}/healthz`);
  expect(response.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(QUICK_MS);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ofTypes = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofTypes(n - 1)} }`);
const heavyWorkflows = 'workflows(first: 100) { edges { node { markdown plan { steps { id title prompt } agents { id systemPrompt } } } } }';

const abuses: { name: string; query: string; variables?: Record<string, unknown>; limit: string; message: RegExp }[] = [
  {
    name: 'a 50 KB introspection document repeating one field',
    query: `{ __schema { queryType { ${'name '.repeat(10_000)}} } }`,
    limit: 'tokens',
    message: /^The document exceeds the limit of 500 tokens$/,
  },
  { name: 'a field repeated 50,000 times', query: `{ viewer { tenant { ${'id '.repeat(50_000)}} } }`, limit: 'tokens', message: /limit of 500 tokens/ },
  {
    name: "1,000 aliases of the tenant's workflows with markdown and plans",
    query: `{ ${range(1000)
      .map((i) => `w${i}: workflows(first: 200) { edges { node { markdown plan { steps { id prompt } } } } }`)
      .join(' ')} }`,
    limit: 'tokens',
    message: /limit of 500 tokens/,
  },
  { name: 'an alias flood within the token limit', query: `{ ${range(16).map((i) => `v${i}: viewer { tenant { id } }`).join(' ')} }`, limit: 'aliases', message: /^16 aliases exceed the limit of 15$/ },
  { name: 'deep nesting', query: `{ __type(name: "Query") { ${ofTypes(20)} } }`, limit: 'depth', message: /^Query depth 22 exceeds the limit of 15$/ },
  { name: 'many directives', query: `{ viewer { tenant { ${'id @include(if: true) '.repeat(21)}} } }`, limit: 'directives', message: /^21 directives exceed the limit of 20$/ },
  {
    name: 'first: 5000',
    query: '{ workflows(first: 5000) { edges { node { id } } } }',
    limit: 'pageSize',
    message: /^workflows\(first: 5000\) asks for more than the page size limit of 100; page through with after$/,
  },
  {
    name: 'last: 5000 through a variable',
    query: 'query Last($n: Int) { executions(last: $n) { edges { node { id } } } }',
    variables: { n: 5000 },
    limit: 'pageSize',
    message: /^executions\(last: 5000\) asks for more than the page size limit of 100/,
  },
  { name: 'a query over the cost budget', query: `{ a: ${heavyWorkflows} b: ${heavyWorkflows} }`, limit: 'cost', message: /^Query cost 11202 exceeds the limit of 10000$/ },
];

describe('GraphQL limits over HTTP', () => {
  for (const credentials of [true, false]) {
    describe(credentials ? 'with an API key' : 'without credentials (refused by the limit, not by 401)', () => {
      it.each(abuses)('refuses $name with 400 naming the $limit limit, quickly', async ({ query, variables, limit, message }) => {
        const answer = await post(query, { variables, credentials });
        expect(answer.ms).toBeLessThan(QUICK_MS);
        expect(answer.status).toBe(400);
        expect(answer.body.data).toBeUndefined();
        expect(answer.body.errors).toHaveLength(1);
        const [error] = answer.body.errors!;
        expect(error.message).toMatch(message);
        expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit, max: expect.any(Number) });
        await expectHealthy();
      });
    });
  }

  it('counts cost from the variables of each request (no validation result is reused across them)', async () => {
    const query = `query Cost($n: Int) { a: ${heavyWorkflows.replace('first: 100', 'first: $n')} b: ${heavyWorkflows.replace('first: 100', 'first: $n')} }`;
    expect((await post(query, { variables: { n: 10 } })).status).toBe(200);
    const over = await post(query, { variables: { n: 100 } });
    expect(over.status).toBe(400);
    expect(over.body.errors![0].message).toBe('Query cost 11202 exceeds the limit of 10000');
    const again = await post(query, { variables: { n: 10 } });
    expect(again.status).toBe(200);
    expect(again.body.errors).toBeUndefined();
  });

  it('still answers ordinary queries: the dashboard’s workflow and recipe lists and tool calls (src/dashboard/*.js), and GraphiQL’s introspection without a key', async () => {
    const folder = new URL('../../src/dashboard/', import.meta.url);
    const html = readdirSync(folder).filter((name) => name.endsWith('.js')).map((name) => readFileSync(new URL(name, folder), 'utf8')).join('\n');
    const dashboardQuery = (name: string) => new RegExp(`'(query ${name}[ (][^']+)'`).exec(html)![1];
    const workflows = await post(dashboardQuery('DashboardWorkflows'));
    expect(workflows.status).toBe(200);
    expect(workflows.body.errors).toBeUndefined();
    expect((workflows.body.data!.workflows as { edges: unknown[] }).edges).toHaveLength(1);
    // The cost is the query's, whatever the data: a full page of recipes would be allowed too.
    const recipes = await post(dashboardQuery('DashboardRecipes'));
    expect(recipes.status).toBe(200);
    expect(recipes.body.errors).toBeUndefined();
    // And every step's tool calls, as the page loads them.
    const toolCalls = await post(dashboardQuery('DashboardToolCalls'), { variables: { id: 'exec_none' } });
    expect(toolCalls.status).toBe(200);
    expect(toolCalls.body.errors).toBeUndefined();

    const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const schema = await post(introspection, { credentials: false });
    expect(schema.status).toBe(200);
    expect(schema.body.errors).toBeUndefined();
    expect(schema.body.data!.__schema).toMatchObject({ queryType: { name: 'Query' } });
  });

  it('still asks for credentials for a query within the limits', async () => {
    const answer = await post('{ workflows(first: 100) { edges { node { id } } } }', { credentials: false });
    expect(answer.status).toBe(401);
    expect(answer.body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('GraphQL limits over WebSocket', () => {
  it.each(abuses.filter(({ limit }) => ['tokens', 'depth', 'pageSize', 'cost'].includes(limit)))(
    'refuses $name with an error naming the $limit limit, quickly',
    async ({ query, variables, limit, message }) => {
      const client = t.wsClient();
      const started = performance.now();
      const errors = await client
        .iterate({ query, variables })
        .next()
        .then(
          () => [],
          (error: unknown) => error as { message: string; extensions?: Record<string, unknown> }[],
        );
      expect(performance.now() - started).toBeLessThan(QUICK_MS);
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(message);
      expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
      await expectHealthy();
    },
  );
});

describe('limits from the environment', () => {
  it('follows BATON_GRAPHQL_MAX_DEPTH and BATON_GRAPHQL_MAX_COST', async () => {
    const strict = await startTestApp({ databaseUrl: t.databaseUrl, env: { BATON_GRAPHQL_MAX_DEPTH: '3', BATON_GRAPHQL_MAX_COST: '50' } });
    try {
      const ask = async (query: string) => {
        const response = await fetch(`${strict.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...credentialsOf(strict.tenant) }, body: JSON.stringify({ query }) });
        return { status: response.status, body: (await response.json()) as Answer['body'] };
      };
      expect((await ask('{ viewer { tenant { id } } }')).status).toBe(200);
      const deep = await ask('{ workflows(first: 1) { edges { node { id } } } }');
      expect(deep.status).toBe(400);
      expect(deep.body.errors![0]).toMatchObject({ message: 'Query depth 4 exceeds the limit of 3', extensions: { limit: 'depth', max: 3, actual: 4 } });
      const costly = await ask('{ executions(first: 30) { pageInfo { hasNextPage } } }');
      expect(costly.body.errors![0]).toMatchObject({ message: 'Query cost 61 exceeds the limit of 50', extensions: { limit: 'cost', max: 50, actual: 61 } });
    } finally {
      await strict.stop();
    }
  });
});
