import fc from 'fast-check';
import { getNamedType, isInputObjectType, isListType, isNonNullType, isScalarType, isEnumType, type GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

/**
 * Property-based fuzzing of every REST route (from the OpenAPI document: its paths, parameters and
 * body schemas) and every GraphQL mutation (from the schema): near-valid and invalid requests, real
 * and made-up ids, hostile text. No answer may be a 5xx, and every REST error is `{ error, detail }`.
 * FUZZ_REQUESTS sets how many requests each property sends (the README reports a 10,000 run).
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 600);
const TIMEOUT_MS = 30_000 + REQUESTS * 25;

const MARKDOWN = `# Fuzzed
## Inputs
- topic: What to write about (string, required)
## Agents
### Writer
Writes.
## Steps
### Draft
Agent: Writer
Approval: required
Write about {{inputs.topic}}.
`;

let t: TestApp;
let ids: string[];
beforeAll(async () => {
  t = await startTestApp({ env: { BATON_RATE_LIMIT: '0', BATON_BODY_LIMIT: '65536' } });
  const workflowId = await createWorkflowId(t, MARKDOWN);
  ids = [workflowId, await startExecutionId(t, workflowId, { topic: 'fuzz' }), 'draft', '1'];
}, 60_000);
afterAll(() => t.stop());

const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\ud800', '\udc00b', '%ZZ', '%E0%A4%A', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>', 'x'.repeat(70_000), '{{steps.x.output}}', MARKDOWN),
);
const anyJson = fc.oneof(hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 }), fc.dictionary(hostileText, hostileText, { maxKeys: 3 }));

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; enum?: string[] };

/** A value of the schema's type (near-valid), or anything at all (invalid). */
const valueOf = (field: Schema): fc.Arbitrary<unknown> => {
  const valid =
    field.enum ? fc.constantFrom(...field.enum)
    : field.type === 'boolean' ? fc.boolean()
    : field.type === 'integer' ? fc.integer({ min: -5, max: 1_000 })
    : field.type === 'object' ? fc.dictionary(fc.constantFrom('topic', 'other', '__proto__', 'constructor'), anyJson, { maxKeys: 3 })
    : hostileText;
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
};

const bodyOf = (schema: Schema | undefined): fc.Arbitrary<string | undefined> => {
  if (!schema?.properties) return fc.oneof(fc.constant(undefined), hostileText);
  const record = fc.record(Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, valueOf(field)])), { requiredKeys: [] });
  return fc.oneof({ weight: 4, arbitrary: record.map((value) => JSON.stringify(value)) }, { weight: 1, arbitrary: hostileText }, { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) });
};

const encoded = (text: string) => {
  try {
    return encodeURIComponent(text).slice(0, 300);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as UTF-8 bytes no decoder accepts
  }
};
const segment = () => fc.oneof(fc.constantFrom(...ids), hostileText.map(encoded), fc.constantFrom('%ZZ', '%E0%A4%A', '%00', '%ED%A0%80', 'exe_x', ''));

describe('fuzzing every route and mutation', () => {
  it(`answers no REST request with a 5xx, and every error as { error, detail } (${REQUESTS} requests)`, async () => {
    const document = await (await fetch(`${t.url}/openapi.json`)).json();
    const operations = Object.entries(document.paths as Record<string, Record<string, { parameters: { name: string; in: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>)
      .flatMap(([path, methods]) => Object.entries(methods).filter(([method]) => method !== 'servers').map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));
    const request = fc.constantFrom(...operations).chain(({ path, method, operation }) =>
      fc.record({
        method: fc.constant(method),
        path: fc.tuple(...(path.match(/\{[a-z_]+\}/g) ?? []).map(() => segment())).map((values) => {
          let index = 0;
          return path.replace(/\{[a-z_]+\}/g, () => values[index++]);
        }),
        query: fc.record(Object.fromEntries(operation.parameters.filter((p) => p.in === 'query').map((p) => [p.name, valueOf(p.schema).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)))])), { requiredKeys: [] }),
        body: method === 'GET' || method === 'DELETE' ? fc.constant(undefined) : bodyOf(operation.requestBody?.content['application/json'].schema),
        mount: fc.constantFrom('', '/orchestrator'),
      }),
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, body, mount }) => {
        const search = new URLSearchParams(query as Record<string, string>).toString();
        const response = await fetch(`${t.url}${mount}${path}${search ? `?${search}` : ''}`, { method, headers: { ...credentialsOf(t.tenant), 'content-type': 'application/json' }, body });
        const text = await response.text();
        if (response.status >= 500) failures.push(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
        // 431 (a request line over 16 KB) comes from node:http's parser, before any route, with no body.
        if (response.status >= 400 && response.status !== 431) {
          expect(Object.keys(JSON.parse(text)), `${method} ${path} → ${response.status} ${text.slice(0, 200)}`).toEqual(expect.arrayContaining(['error', 'detail']));
        }
        return response.status < 500;
      }),
      { numRuns: REQUESTS, endOnFailure: true },
    );
    expect(failures).toEqual([]);
  }, TIMEOUT_MS);

  it(`answers no GraphQL mutation with a 5xx or an unexpected error (${REQUESTS} requests)`, async () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    const variable = (type: GraphQLInputType): fc.Arbitrary<unknown> => {
      const inner = isNonNullType(type) ? type.ofType : type;
      if (isListType(inner)) return fc.oneof(fc.array(variable(inner.ofType), { maxLength: 3 }), anyJson);
      const named = getNamedType(inner);
      if (isEnumType(named)) return fc.oneof(fc.constantFrom(...named.getValues().map((v) => v.name)), anyJson);
      if (isInputObjectType(named)) return fc.oneof(fc.record(Object.fromEntries(Object.values(named.getFields()).map((f) => [f.name, variable(f.type)])), { requiredKeys: [] }), anyJson);
      if (isScalarType(named) && named.name === 'ID') return fc.oneof(fc.constantFrom(...ids), hostileText);
      if (isScalarType(named) && named.name === 'Int') return fc.oneof(fc.integer(), anyJson);
      if (isScalarType(named) && named.name === 'Boolean') return fc.oneof(fc.boolean(), anyJson);
      return anyJson;
    };
    const operation = fc.constantFrom(...mutations).chain((field) =>
      fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, variable(arg.type)])), { requiredKeys: [] }).map((variables) => ({
        query: `mutation Fuzz(${field.args.map((arg) => `$${arg.name}: ${arg.type}`).join(', ') || '$unused: Int'}) { ${field.name}${field.args.length ? `(${field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})` : ''} { __typename } }`,
        variables,
      })),
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(operation, async ({ query, variables }) => {
        const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { ...credentialsOf(t.tenant), 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
        const text = await response.text();
        if (response.status >= 500 || text.includes('INTERNAL_SERVER_ERROR')) failures.push(`${query} ${JSON.stringify(variables).slice(0, 200)} → ${response.status} ${text.slice(0, 300)}`);
        return true;
      }),
      { numRuns: REQUESTS },
    );
    expect(failures).toEqual([]);
  }, TIMEOUT_MS);
});
