import { builder } from '../builder.ts';
import type { Plan } from '../compiler/plan.ts';
import { CompileError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { createWorkflow, deleteWorkflow, updateWorkflow } from '../library/workflows.ts';
import { PlanRef } from './plan.ts';

const plan = (value: unknown) => value as Plan;

const workflowsWhere = (tenantId: string, search: string | null | undefined) => ({
  tenantId,
  deletedAt: null,
  ...(search ? { OR: [{ name: { contains: search, mode: 'insensitive' as const } }, { description: { contains: search, mode: 'insensitive' as const } }] } : {}),
});

builder.prismaObject('WorkflowRevision', {
  description: 'A previous version of a workflow, as it was.',
  fields: (t) => ({
    version: t.exposeInt('version'),
    markdown: t.exposeString('markdown'),
    plan: t.field({ type: PlanRef, resolve: (revision) => plan(revision.plan) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When this version was written.' }),
  }),
});

export const WorkflowRef = builder.prismaNode('Workflow', {
  description: 'A workflow document and its compiled plan.',
  id: { field: 'id' },
  // node(id:) sees only the caller's own, undeleted workflows.
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id, deletedAt: null }),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    markdown: t.exposeString('markdown'),
    plan: t.field({ type: PlanRef, resolve: (workflow) => plan(workflow.plan) }),
    version: t.exposeInt('version', { description: '1 for the first markdown, one more for each update.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    revisions: t.relation('revisions', { description: 'Previous versions, newest first.', query: { orderBy: { version: 'desc' } } }),
  }),
});

builder.queryFields((t) => ({
  workflow: t.prismaField({
    type: 'Workflow',
    nullable: true,
    description: "One of the tenant's workflows; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.workflow.findFirst({ ...query, where: { id: String(id), tenantId: ctx.tenant.id, deletedAt: null } }),
  }),
  workflows: t.prismaConnection(
    {
      type: 'Workflow',
      cursor: 'id',
      description: "The tenant's workflows, newest first; `search` matches name and description.",
      args: { search: t.arg.string() },
      resolve: (query, _root, { search }, ctx) => ctx.db.workflow.findMany({ ...query, where: workflowsWhere(ctx.tenant.id, search), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      totalCount: (_root, { search }, ctx) => ctx.db.workflow.count({ where: workflowsWhere(ctx.tenant.id, search) }),
    },
    { name: 'WorkflowConnection' },
    { name: 'WorkflowEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createWorkflow: t.prismaField({
    type: 'Workflow',
    description: 'Compiles and saves a workflow. Invalid markdown is a CompileError with the notes; nothing is saved.',
    errors: { types: [CompileError, ValidationError] },
    args: { markdown: t.arg.string({ required: true }) },
    resolve: async (_query, _root, { markdown }, ctx) => createWorkflow(ctx.db, ctx.tenant.id, markdown, ctx.models, await ctx.tools.aliases(ctx.tenant.id)),
  }),
  updateWorkflow: t.prismaField({
    type: 'Workflow',
    description: 'Recompiles the workflow from new markdown; the previous markdown and plan become a revision.',
    errors: { types: [NotFoundError, CompileError, ValidationError, ConflictError] },
    args: { id: t.arg.id({ required: true }), markdown: t.arg.string({ required: true }) },
    resolve: async (_query, _root, { id, markdown }, ctx) => updateWorkflow(ctx.db, ctx.tenant.id, String(id), markdown, ctx.models, await ctx.tools.aliases(ctx.tenant.id)),
  }),
  deleteWorkflow: t.prismaField({
    type: 'Workflow',
    description: 'Deletes the workflow (its past executions stay readable) and returns it as it was.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => deleteWorkflow(ctx.db, ctx.tenant.id, String(id)),
  }),
}));

