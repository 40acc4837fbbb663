import { z } from 'zod';
import type { RestProduct } from './route.ts';

type Schema = Record<string, unknown>;

const ERROR_MEANING: Record<number, string> = {
  400: 'Bad request: malformed JSON, a missing or mistyped field, bad inputs, or markdown that does not compile',
  401: 'Missing or invalid API key or tenant',
  403: 'Forbidden: the object may not be changed this way (a system recipe)',
  404: 'No such workflow, execution, step, version, agent or recipe for this tenant',
  409: 'Conflict: the object is not in a state that allows this (an execution or step that moved on, a template_id already used, an agent a recipe runs)',
  413: 'The request body is too large',
  429: 'Too many requests: wait `Retry-After` seconds',
  500: 'Internal server error',
  503: 'The database is unreachable for a moment: retry after `Retry-After` seconds',
};

/** Leaves out what says nothing to a reader: JavaScript's safe-integer bounds, zod's date-time regex (the format says it). */
const override = ({ jsonSchema }: { jsonSchema: Schema }) => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
};
const options = { unrepresentable: 'any', override, uri: (id: string) => `#/components/schemas/${id}` } as const;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema; `$ref`s point into the document's components. */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output', registry?: z.core.$ZodRegistry<{ id: string }>): Schema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, ...options, ...(registry ? { metadata: registry } : {}) }) as Schema;
  return rest;
};

/**
 * The OpenAPI 3.1 document of the REST routes, generated from the route table: request bodies and
 * query parameters from the schemas that parse them, responses from the schemas that type them
 * (named ones become components), examples produced by the same shapes the routes answer with.
 */
export function openApiDocument(products: RestProduct[], serverUrl: string): Schema {
  // Every response schema with a name (not the request ones) becomes a component, referenced by name.
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of products.flatMap((product) => Object.entries(product.schemas))) {
    if (schema instanceof z.ZodType && !/(Body|Query)$/.test(id) && !registry.has(schema)) registry.add(schema, { id });
  }
  const servers = (mounts: string[]) => mounts.map((mount) => ({ url: `${serverUrl}${mount}`, description: mount ? 'Under the documented base path' : 'At the root' }));
  const { schemas: components } = z.toJSONSchema(registry, { io: 'output', ...options });
  for (const component of Object.values(components)) {
    delete (component as Schema).$schema;
    delete (component as Schema).$id;
  }
  const response = (schema: z.ZodType) => {
    const id = registry.get(schema)?.id;
    return id ? { $ref: `#/components/schemas/${id}` } : jsonSchema(schema, 'output', registry);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const topServers = products[0].mounts;
  for (const { route, mounts } of products.flatMap(({ routes, mounts }) => routes.map((route) => ({ route, mounts })))) {
    const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:([a-z_]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const query = route.query ? (jsonSchema(route.query, 'input') as { properties: Record<string, Schema> }) : undefined;
    const queryParams = Object.entries(query?.properties ?? {}).map(([name, { description, ...schema }]) => ({ name, in: 'query', required: false, description, schema }));
    // Any path parameter can be malformed (400), any body too large (413).
    const errors = [...new Set([...route.errors, ...(route.body || pathParams.length ? [400] : []), ...(route.body ? [413] : []), 401, 429, 500, 503])].sort();
    // A product served under other mounts than the document's servers says so for its paths.
    paths[path] ??= mounts.join() === topServers.join() ? {} : { servers: servers(mounts) };
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      parameters: [...pathParams, ...queryParams],
      ...(route.body
        ? (() => {
            const body = jsonSchema(route.body, 'input');
            // A body with no required field may be left out (it reads as {}).
            return { requestBody: { required: Boolean((body.required as string[] | undefined)?.length), content: { 'application/json': { schema: body } } } };
          })()
        : {}),
      responses: {
        [route.status]: route.response
          ? { description: 'Success', content: { 'application/json': { schema: response(route.response), example: route.example } } }
          : { description: 'Done; no body' },
        ...Object.fromEntries(errors.map((status) => [status, { $ref: `#/components/responses/E${status}` }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton REST API',
      version: '1.0.0',
      description: 'The REST APIs of the two product documents: the AppXen orchestrator (at the root and under /orchestrator) and the recipe API (under /api). Every route runs a GraphQL operation (see /graphql).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: servers(topServers),
    security: [{ bearer: [], tenant: [] }, { apiKey: [], tenant: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer bt_…`' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key, instead of the bearer header' },
        tenant: { type: 'apiKey', in: 'header', name: 'x-tenant-id', description: 'The tenant the key belongs to' },
      },
      schemas: {
        ...components,
        Error: {
          type: 'object',
          properties: {
            error: { type: 'string', description: 'What went wrong, in a few words' },
            detail: { type: 'string', description: 'Exactly what went wrong' },
            compiler_notes: { type: 'array', items: { $ref: '#/components/schemas/CompilerNote' }, description: 'With a 400 for markdown that does not compile' },
          },
          required: ['error', 'detail'],
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_MEANING).map(([status, description]) => [`E${status}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
  };
}
