import { builder } from '../builder.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { connectionOf, createToolServer, deleteToolServer, toolServerNotFound, TOOL_TRANSPORTS, updateToolServer, type ToolServerFields, type ToolTransport } from '../library/tool-servers.ts';

const ToolTransportEnum = builder.enumType('ToolTransport', {
  description: '`HTTP`: Streamable HTTP at a URL. `STDIO`: a command run on the worker\'s host (only where BATON_ALLOW_STDIO_TOOLS=1).',
  values: Object.fromEntries(TOOL_TRANSPORTS.map((transport) => [transport.toUpperCase(), { value: transport }])) as Record<string, { value: ToolTransport }>,
});

builder.prismaNode('ToolServer', {
  description: "An MCP server whose tools the tenant's agents call, by alias (`Tools:` in markdown, `tools` of stored agents). Its secrets (headers, env) are never shown, only their names.",
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  fields: (t) => ({
    alias: t.exposeString('alias', { description: 'Its tools reach the model as `<alias>__<tool>`.' }),
    transport: t.field({ type: ToolTransportEnum, resolve: (server) => server.transport as ToolTransport }),
    url: t.exposeString('url', { nullable: true, description: 'HTTP: the Streamable HTTP endpoint.' }),
    command: t.exposeString('command', { nullable: true, description: 'STDIO: the program run.' }),
    args: t.exposeStringList('args'),
    headerNames: t.exposeStringList('headerNames', { description: 'The names of the HTTP headers sent (their values are secret).' }),
    envNames: t.exposeStringList('envNames', { description: "The names of the command's environment variables (their values are secret)." }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled server offers no tools.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ToolServerInput = builder.inputType('ToolServerInput', {
  description: 'A new tool server: HTTP with `url` (and `headers`), or STDIO with `command` (and `args`, `env`).',
  fields: (t) => ({
    alias: t.string({ required: true, description: '1–30 letters, digits, `-` and single `_`.' }),
    transport: t.field({ type: ToolTransportEnum, required: true }),
    url: t.string(),
    headers: t.field({ type: 'JSON', description: 'Header names to values, e.g. `{"Authorization": "Bearer …"}`; stored encrypted, never returned.' }),
    command: t.string(),
    args: t.stringList(),
    env: t.field({ type: 'JSON', description: 'Variable names to values; stored encrypted, never returned.' }),
    enabled: t.boolean(),
  }),
});

const ToolServerPatch = builder.inputType('ToolServerPatch', {
  description: 'The fields to change; `headers` or `env`, when given, replace all of them (null clears them).',
  fields: (t) => ({
    alias: t.string(),
    transport: t.field({ type: ToolTransportEnum }),
    url: t.string(),
    headers: t.field({ type: 'JSON' }),
    command: t.string(),
    args: t.stringList(),
    env: t.field({ type: 'JSON' }),
    enabled: t.boolean(),
  }),
});

const ToolRef = builder.objectRef<{ name: string; description: string; inputSchema: unknown }>('ToolServerTool').implement({
  description: 'A tool as the model sees it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: '`<alias>__<tool>`.' }),
    description: t.exposeString('description'),
    inputSchema: t.expose('inputSchema', { type: 'JSON' }),
  }),
});

const ToolServerCheck = builder.objectRef<{ ok: boolean; tools: { name: string; description: string; inputSchema: unknown }[]; error: string | null; durationMs: number }>('ToolServerCheck').implement({
  description: 'What connecting to a tool server found.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    tools: t.field({ type: [ToolRef], resolve: (check) => check.tools }),
    error: t.exposeString('error', { nullable: true, description: 'Why it could not be reached or listed.' }),
    durationMs: t.exposeInt('durationMs', { description: 'Connecting and listing took this long.' }),
  }),
});

/** GraphQL leaves an input field out, or sends null: null means "clear" for the nullable settings, "as is" for the rest. */
const CLEARABLE = new Set(['url', 'headers', 'command', 'env']);
const defined = <T extends Record<string, unknown>>(input: T) => Object.fromEntries(Object.entries(input).filter(([name, value]) => value !== undefined && (value !== null || CLEARABLE.has(name))));

builder.queryFields((t) => ({
  toolServer: t.prismaField({
    type: 'ToolServer',
    nullable: true,
    description: "One of the tenant's tool servers; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.toolServer.findFirst({ ...query, where: { id: String(id), tenantId: ctx.tenant.id } }),
  }),
  toolServers: t.prismaConnection(
    {
      type: 'ToolServer',
      cursor: 'id',
      description: "The tenant's tool servers, by alias.",
      args: { offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }) },
      resolve: (query, _root, { offset }, ctx) =>
        ctx.db.toolServer.findMany({ ...query, skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)), where: { tenantId: ctx.tenant.id }, orderBy: [{ alias: 'asc' }, { id: 'asc' }] }),
      totalCount: (_root, _args, ctx) => ctx.db.toolServer.count({ where: { tenantId: ctx.tenant.id } }),
    },
    { name: 'ToolServerConnection' },
    { name: 'ToolServerEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createToolServer: t.prismaField({
    type: 'ToolServer',
    description: 'Stores a tool server; every problem is named at once (ValidationError); an alias the tenant has is a ConflictError; STDIO where it is off is a ForbiddenError.',
    errors: { types: [ValidationError, ConflictError, ForbiddenError] },
    args: { input: t.arg({ type: ToolServerInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => createToolServer(ctx.db, ctx.tenant.id, defined(input) as Parameters<typeof createToolServer>[2], ctx.toolServerPolicy),
  }),
  updateToolServer: t.prismaField({
    type: 'ToolServer',
    description: 'Changes the given fields; running steps finish with the settings they started with, later calls use the new ones.',
    errors: { types: [NotFoundError, ValidationError, ConflictError, ForbiddenError] },
    args: { id: t.arg.id({ required: true }), patch: t.arg({ type: ToolServerPatch, required: true }) },
    resolve: (_query, _root, { id, patch }, ctx) => updateToolServer(ctx.db, ctx.tenant.id, String(id), defined(patch) as Partial<ToolServerFields>, ctx.toolServerPolicy),
  }),
  deleteToolServer: t.prismaField({
    type: 'ToolServer',
    description: 'Deletes a tool server and returns it as it was.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => deleteToolServer(ctx.db, ctx.tenant.id, String(id)),
  }),
  testToolServer: t.field({
    type: ToolServerCheck,
    description: 'Connects to the tool server and lists its tools as the model would see them; a server that cannot be reached is `ok: false` with the reason.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const row = await ctx.db.toolServer.findFirst({ where: { id: String(id), tenantId: ctx.tenant.id } });
      if (!row) throw toolServerNotFound(String(id));
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const tools = await ctx.tools.probe(connectionOf(row, ctx.toolServerPolicy.secretKey), AbortSignal.timeout(30_000));
        return { ok: true, tools, error: null, durationMs: elapsed() };
      } catch (error) {
        return { ok: false, tools: [], error: (error as Error).message, durationMs: elapsed() };
      }
    },
  }),
}));
