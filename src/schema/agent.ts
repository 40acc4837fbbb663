import { builder } from '../builder.ts';
import { DEFAULT_ALIAS, OFFLINE_MODEL, resolveModel } from '../compiler/models.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { AGENT_STATUSES, createAgent, deleteAgent, updateAgent, type AgentStatus } from '../library/agents.ts';

const AgentStatusEnum = builder.enumType('AgentStatus', {
  description: 'An inactive agent cannot run.',
  values: Object.fromEntries(AGENT_STATUSES.map((status) => [status.toUpperCase(), { value: status }])) as Record<string, { value: AgentStatus }>,
});

builder.prismaNode('Agent', {
  description: 'An agent stored in the tenant, which recipe steps run (markdown workflows keep their inline agents).',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { description: "The agent's role." }),
    model: t.exposeString('model', { description: 'An alias (`sonnet`) or a model id, as written.' }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true, description: 'Null: built from name and description, as for markdown agents.' }),
    tools: t.exposeStringList('tools', { description: 'Tool server aliases.' }),
    provider: t.string({
      description: "Who answers for the agent's model: `offline` for the offline model, else `anthropic` (the offline model also answers when no Anthropic key is configured).",
      resolve: (agent, _args, ctx) => (resolveModel(ctx.models, agent.model.trim() || DEFAULT_ALIAS) === OFFLINE_MODEL ? 'offline' : 'anthropic'),
    }),
    maxIterations: t.exposeInt('maxIterations', { description: 'Tool-use turns at most.' }),
    status: t.field({ type: AgentStatusEnum, resolve: (agent) => agent.status as AgentStatus }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const AgentInput = builder.inputType('AgentInput', {
  description: 'A new agent: name, description and model are required.',
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string({ required: true }),
    model: t.string({ required: true, description: 'An alias (`sonnet`, `haiku`, `opus`, …) or a model id.' }),
    systemPrompt: t.string(),
    tools: t.stringList(),
    maxIterations: t.int(),
    status: t.field({ type: AgentStatusEnum }),
  }),
});

const AgentPatch = builder.inputType('AgentPatch', {
  description: 'The fields to change; the others stay as they are (null clears systemPrompt).',
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    model: t.string(),
    systemPrompt: t.string(),
    tools: t.stringList(),
    maxIterations: t.int(),
    status: t.field({ type: AgentStatusEnum }),
  }),
});

/** GraphQL leaves an input field out, or sends null: for all but systemPrompt, null means "as is". */
const defined = <T extends Record<string, unknown>>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([name, value]) => value !== undefined && (value !== null || name === 'systemPrompt')));

builder.queryFields((t) => ({
  agent: t.prismaField({
    type: 'Agent',
    nullable: true,
    description: "One of the tenant's agents; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.agent.findFirst({ ...query, where: { id: String(id), tenantId: ctx.tenant.id } }),
  }),
  agents: t.prismaConnection(
    {
      type: 'Agent',
      cursor: 'id',
      description: "The tenant's agents, newest first; `search` matches name and description.",
      args: { search: t.arg.string(), offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }) },
      resolve: (query, _root, { search, offset }, ctx) =>
        ctx.db.agent.findMany({ ...query, skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)), where: agentsWhere(ctx.tenant.id, search), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      totalCount: (_root, { search }, ctx) => ctx.db.agent.count({ where: agentsWhere(ctx.tenant.id, search) }),
    },
    { name: 'AgentConnection' },
    { name: 'AgentEdge' },
  ),
}));

const agentsWhere = (tenantId: string, search: string | null | undefined) => ({
  tenantId,
  ...(search ? { OR: [{ name: { contains: search, mode: 'insensitive' as const } }, { description: { contains: search, mode: 'insensitive' as const } }] } : {}),
});

builder.mutationFields((t) => ({
  createAgent: t.prismaField({
    type: 'Agent',
    description: 'Stores an agent; every problem of the input is named at once (ValidationError).',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: AgentInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => createAgent(ctx.db, ctx.tenant.id, defined(input) as Parameters<typeof createAgent>[2], ctx.models),
  }),
  updateAgent: t.prismaField({
    type: 'Agent',
    description: 'Changes the given fields of an agent. Running executions keep the agent as it was when they started.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), patch: t.arg({ type: AgentPatch, required: true }) },
    resolve: (_query, _root, { id, patch }, ctx) => updateAgent(ctx.db, ctx.tenant.id, String(id), defined(patch), ctx.models),
  }),
  deleteAgent: t.prismaField({
    type: 'Agent',
    description: 'Deletes an agent and returns it as it was; refused while a recipe step runs it (ConflictError naming the recipes).',
    errors: { types: [NotFoundError, ConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => deleteAgent(ctx.db, ctx.tenant.id, String(id)),
  }),
}));
