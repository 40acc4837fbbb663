import type { z } from 'zod';
import type { ApiToolServerFragment, ToolServerInput, ToolTransport } from '../../src/generated/graphql/graphql.ts';
import { failIfError } from '../graphql.ts';
import { found, type RestRoute } from '../route.ts';
import * as op from './tool-server-operations.ts';
import * as schema from './tool-server-schemas.ts';
import { Deleted } from './schemas.ts';

const BASE = '/api/tool-servers';

const toolServer = (s: ApiToolServerFragment): z.infer<typeof schema.ToolServer> => ({
  id: s.id,
  alias: s.alias,
  transport: s.transport.toLowerCase() as Lowercase<ToolTransport>,
  url: s.url ?? null,
  command: s.command ?? null,
  args: s.args,
  header_names: s.headerNames,
  env_names: s.envNames,
  enabled: s.enabled,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/** A REST body's snake_case fields as the GraphQL input's (absent stays absent, null stays null). */
const input = (body: Partial<z.infer<typeof schema.ToolServerBody>>) =>
  Object.fromEntries(Object.entries({ ...body, transport: body.transport?.toUpperCase() }).filter(([, value]) => value !== undefined)) as ToolServerInput;

const example: z.infer<typeof schema.ToolServer> = {
  id: 'tools_0h3bq9c2m1x8v7k4l5p6n2r1t',
  alias: 'github',
  transport: 'http',
  url: 'https://mcp.example.com/github/mcp',
  command: null,
  args: [],
  header_names: ['Authorization'],
  env_names: [],
  enabled: true,
  created_at: '2026-02-27T10:30:00.000Z',
  updated_at: '2026-02-27T10:30:00.000Z',
};

export const toolServerRoutes = (): RestRoute[] => [
  {
    method: 'GET',
    path: BASE,
    operationId: 'listToolServers',
    summary: "Lists the workspace's tool servers (MCP), by alias, offset-paged.",
    status: 200,
    query: schema.ToolServerListQuery,
    response: schema.ToolServerList,
    example: { items: [example], total: 1, skip: 0, limit: 50 },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const { toolServers } = await run(op.ListToolServers, { first: limit, offset: skip });
      return { items: toolServers.edges.map((edge) => toolServer(edge.node)), total: toolServers.totalCount, skip, limit };
    },
  },
  {
    method: 'POST',
    path: BASE,
    operationId: 'createToolServer',
    summary: 'Stores a tool server: http (url, headers) or stdio (command, args, env; only where BATON_ALLOW_STDIO_TOOLS=1, else 403). Secrets are encrypted and never returned; an alias in use → 409.',
    status: 201,
    body: schema.ToolServerBody,
    response: schema.ToolServer,
    example,
    errors: [400, 403, 409],
    async handle({ body, run }) {
      return toolServer(failIfError((await run(op.CreateToolServer, { input: input(body) })).createToolServer));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:id`,
    operationId: 'getToolServer',
    summary: 'One tool server (its secrets by name only).',
    status: 200,
    response: schema.ToolServer,
    example,
    errors: [404],
    async handle({ params, run }) {
      return toolServer(found((await run(op.GetToolServer, { id: params.id })).toolServer, 'Tool server', params.id));
    },
  },
  {
    method: 'PUT',
    path: `${BASE}/:id`,
    operationId: 'updateToolServer',
    summary: 'Changes the given fields; headers or env, when given, replace all of them. Later tool calls use the new settings.',
    status: 200,
    body: schema.ToolServerPatchBody,
    response: schema.ToolServer,
    example,
    errors: [400, 403, 404, 409],
    async handle({ params, body, run }) {
      return toolServer(failIfError((await run(op.UpdateToolServer, { id: params.id, patch: input(body) })).updateToolServer));
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:id`,
    operationId: 'deleteToolServer',
    summary: 'Deletes a tool server.',
    status: 200,
    response: Deleted,
    example: { success: true, message: 'Tool server github deleted' },
    errors: [404],
    async handle({ params, run }) {
      const deleted = failIfError((await run(op.DeleteToolServer, { id: params.id })).deleteToolServer);
      return { success: true, message: `Tool server ${deleted.alias} deleted` };
    },
  },
  {
    method: 'POST',
    path: `${BASE}/:id/test`,
    operationId: 'testToolServer',
    summary: 'Connects to the tool server and lists its tools as the model would see them; one that cannot be reached answers ok: false with the reason.',
    status: 200,
    response: schema.ToolServerCheck,
    example: { ok: true, tools: [{ name: 'github__search_issues', description: 'Searches issues', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }], error: null, duration_ms: 84 },
    errors: [404],
    async handle({ params, run }) {
      const check = failIfError((await run(op.TestToolServer, { id: params.id })).testToolServer);
      return { ok: check.ok, tools: check.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema })), error: check.error ?? null, duration_ms: check.durationMs };
    },
  },
];
