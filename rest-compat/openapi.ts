import type { Field } from './input.ts';
import type { RestRoute } from './appxen/routes.ts';

type Schema = Record<string, unknown>;

/** A JSON schema of an example value: its types, every field it shows, and the example itself. */
function schemaOf(value: unknown): Schema {
  if (value === null) return { nullable: true };
  if (Array.isArray(value)) return { type: 'array', items: value.length ? schemaOf(value[0]) : {} };
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return { type: 'object', properties: Object.fromEntries(entries.map(([key, v]) => [key, schemaOf(v)])), required: entries.map(([key]) => key) };
  }
  return { type: Number.isInteger(value) ? 'integer' : typeof value };
}

const fieldSchema = (field: Field): Schema => ({
  type: field.type,
  description: field.description,
  ...(field.enum ? { enum: field.enum } : {}),
  ...(field.minimum !== undefined ? { minimum: field.minimum, maximum: field.maximum } : {}),
});

const ERROR_MEANING: Record<number, string> = {
  400: 'Bad request: malformed JSON, a missing or mistyped field, bad inputs, or markdown that does not compile',
  401: 'Missing or invalid API key or tenant',
  404: 'No such workflow, execution, step or version for this tenant',
  409: 'Conflict: the execution or step is not in a state that allows this',
  413: 'The request body is too large',
  429: 'Too many requests: wait `Retry-After` seconds',
  500: 'Internal server error',
};

/** The OpenAPI 3 document of the REST routes, generated from the route table. */
export function openApiDocument(routes: RestRoute[], serverUrl: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:([a-z_]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = Object.entries(route.query ?? {}).map(([name, field]) => ({ name, in: 'query', required: false, schema: fieldSchema(field) }));
    const errors = [...new Set([...route.errors, ...(route.body ? [400, 413] : []), 401, 429, 500])].sort();
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      parameters: [...pathParams, ...queryParams],
      ...(route.body
        ? {
            requestBody: {
              required: Object.values(route.body).some((field) => field.required),
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: Object.fromEntries(Object.entries(route.body).map(([name, field]) => [name, fieldSchema(field)])),
                    required: Object.entries(route.body).filter(([, field]) => field.required).map(([name]) => name),
                  },
                },
              },
            },
          }
        : {}),
      responses: {
        [route.status]: route.example === undefined ? { description: 'Done; no body' } : { description: 'Success', content: { 'application/json': { schema: schemaOf(route.example), example: route.example } } },
        ...Object.fromEntries(errors.map((status) => [status, { $ref: `#/components/responses/E${status}` }])),
      },
    };
  }
  const errorSchema = { type: 'object', properties: { error: { type: 'string' }, detail: { type: 'string' } }, required: ['error', 'detail'] };
  return {
    openapi: '3.0.3',
    info: { title: 'Baton REST API', version: '1.0.0', description: 'The AppXen-compatible REST API; every route runs a GraphQL operation (see /graphql).' },
    servers: [{ url: serverUrl }, { url: `${serverUrl}/orchestrator` }],
    security: [{ bearer: [], tenant: [] }, { apiKey: [], tenant: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        tenant: { type: 'apiKey', in: 'header', name: 'x-tenant-id' },
      },
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        Object.entries(ERROR_MEANING).map(([status, description]) => [`E${status}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
  };
}
