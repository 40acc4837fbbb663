import { builder } from '../builder.ts';
import type { Context } from '../server/context.ts';
import type { Plan } from '../compiler/plan.ts';
import { startExecution, startRecipeExecution } from '../engine/start.ts';
import { BudgetInput } from './budget.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { ConflictError, executionNotFound, NotFoundError, ValidationError } from '../errors.ts';
import { decideApproval, stopExecution } from '../engine/decisions.ts';
import { executionEvents } from '../engine/event-stream.ts';
import { EXECUTION_EVENT_TYPES, type Events, type ExecutionEventType } from '../store/events.ts';
import { ExecutionStatus } from './execution-update.ts';
import { OutputType, PlanRef } from './plan.ts';
import { renderOutput } from '../sharing/render-output.ts';

const StepStatus = builder.enumType('StepStatus', {
  values: Object.fromEntries(
    ['pending', 'running', 'awaiting_approval', 'completed', 'failed', 'skipped', 'rejected', 'stopped'].map((status) => [status.toUpperCase(), { value: status }]),
  ),
});

const Tokens = builder.objectRef<{ input: number; output: number; cacheRead: number; cacheWrite: number }>('Tokens').implement({
  fields: (t) => ({
    input: t.exposeInt('input'),
    output: t.exposeInt('output'),
    cacheRead: t.exposeInt('cacheRead'),
    cacheWrite: t.exposeInt('cacheWrite'),
  }),
});

type ToolCallRecord = { name: string; input: unknown; output: unknown; durationMs?: number; isError?: boolean };

const ToolCall = builder.objectRef<ToolCallRecord>('ToolCall').implement({
  description: "One call of a tool by a step's model: the tool, what the model sent, what the tool answered, how long it took.",
  fields: (t) => ({
    name: t.exposeString('name', { description: '`<alias>__<tool>`: the tool server and its tool.' }),
    input: t.expose('input', { type: 'JSON' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: "The result (structured content when the tool gave some, else its text, cut to BATON_TOOL_RESULT_LIMIT); a failure's message when isError." }),
    durationMs: t.int({ nullable: true, description: 'Null for calls recorded before durations were.', resolve: (call) => call.durationMs ?? null }),
    isError: t.boolean({ description: 'The call failed (the model was told why, and went on).', resolve: (call) => call.isError === true }),
  }),
});

const StepApproval = builder.objectRef<{ approved: boolean; reason: string | null; at: string }>('StepApproval').implement({
  description: "A person's decision on a step that awaited approval.",
  fields: (t) => ({
    approved: t.exposeBoolean('approved'),
    reason: t.exposeString('reason', { nullable: true }),
    at: t.field({ type: 'DateTime', resolve: (approval) => approval.at }),
  }),
});

builder.prismaObject('StepRun', {
  description: 'A step of an execution, or one item of a For each step.',
  fields: (t) => ({
    stepId: t.exposeString('stepId'),
    itemIndex: t.int({ nullable: true, description: 'The item of a For each step; null for the step itself.', resolve: (run) => (run.itemIndex < 0 ? null : run.itemIndex) }),
    status: t.field({ type: StepStatus, resolve: (run) => run.status }),
    attempts: t.exposeInt('attempt'),
    agentId: t.exposeString('agentId', { nullable: true }),
    model: t.exposeString('modelId', { nullable: true }),
    prompt: t.exposeString('prompt', { nullable: true, description: 'The prompt as sent, templates rendered.' }),
    reused: t.exposeBoolean('reused', { description: 'Kept from the execution this one was forked from: the output recorded there, with no model call and no cost here.' }),
    output: t.exposeString('output', { nullable: true }),
    outputJson: t.expose('outputJson', { type: 'JSON', nullable: true }),
    outputHtml: t.string({
      nullable: true,
      description: "The step's output read as markdown, as safe HTML (the share page's renderer and sanitizer); null while there is none.",
      resolve: (run) => (run.output == null ? null : renderOutput(run.output, 'markdown')),
    }),
    error: t.exposeString('error', { nullable: true }),
    tokens: t.field({ type: Tokens, resolve: (run) => ({ input: run.tokensIn, output: run.tokensOut, cacheRead: run.tokensCacheRead, cacheWrite: run.tokensCacheWrite }) }),
    costUsd: t.exposeFloat('costUsd'),
    turns: t.exposeInt('turns'),
    toolCalls: t.field({ type: [ToolCall], resolve: (run) => run.toolCalls as ToolCallRecord[] }),
    approval: t.field({ type: StepApproval, nullable: true, resolve: (run) => run.approval as { approved: boolean; reason: string | null; at: string } | null }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    durationMs: t.int({ nullable: true, resolve: (run) => (run.startedAt && run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : null) }),
  }),
});

const ExecutionEventKind = builder.enumType('ExecutionEventKind', {
  description: 'What an execution event says happened: `STEP_COMPLETED` is the event type `step.completed`.',
  values: Object.fromEntries(EXECUTION_EVENT_TYPES.map((type) => [type.replace('.', '_').toUpperCase(), { value: type }])) as Record<string, { value: ExecutionEventType }>,
});

/** One representation of "not an item of a For each step" everywhere: null (the engine stores -1). */
const eventPayload = (payload: unknown) => {
  const fields = payload as Record<string, unknown>;
  return fields.itemIndex === -1 ? { ...fields, itemIndex: null } : fields;
};

builder.prismaObject('ExecutionEvent', {
  description: 'A stored state change of an execution, numbered from 1.',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    kind: t.field({ type: ExecutionEventKind, resolve: (event) => event.type as ExecutionEventType }),
    type: t.exposeString('type', { deprecationReason: 'Use kind (the same, as an enum).' }),
    payload: t.field({ type: 'JSON', description: '`itemIndex` is null for a step that is not an item of a For each step.', resolve: (event) => eventPayload(event.payload) }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('Execution', {
  description: 'One run of a markdown workflow or of a recipe.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  fields: (t) => ({
    workflowId: t.exposeID('workflowId', { nullable: true, description: "The markdown workflow it runs; null for a recipe's execution." }),
    recipeId: t.exposeID('recipeId', { nullable: true, description: "The recipe it runs (kept after the recipe is deleted); null for a markdown workflow's execution." }),
    workflowName: t.exposeString('workflowName', { description: "The workflow's or recipe's name when it started." }),
    triggeredBy: t.exposeString('triggeredBy', { description: 'What started it: `manual` (the API), `cron` or `webhook`.' }),
    metadata: t.expose('metadata', { type: 'JSON', description: "What its starter recorded: for a recipe, its template_id, version and execution_config." }),
    status: t.field({ type: ExecutionStatus, resolve: (execution) => execution.status as never }),
    error: t.exposeString('error', { nullable: true }),
    inputs: t.expose('inputs', { type: 'JSON' }),
    plan: t.field({ type: PlanRef, description: 'The plan this execution runs (a copy taken at its start).', resolve: (execution) => execution.plan as unknown as Plan }),
    output: t.exposeString('output', { nullable: true, description: "The current output version's text." }),
    outputType: t.field({ type: OutputType, resolve: (execution) => execution.outputType as Plan['outputType'] }),
    version: t.exposeInt('version', { description: 'The current output version (0 until the execution completes).' }),
    stepsCompleted: t.exposeInt('stepsCompleted'),
    stepsTotal: t.exposeInt('stepsTotal'),
    startedAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    steps: t.relation('steps', { description: 'In plan order; For each items follow their step.', query: { orderBy: [{ position: 'asc' }, { itemIndex: 'asc' }] } }),
    forkedFrom: t.relation('forkedFrom', { nullable: true, description: 'The execution this one was forked from (forkExecution, retryExecution); null when it was not, or that one was deleted.' }),
    forkedFromStep: t.exposeString('forkedFromStep', { nullable: true, description: 'The step the fork ran again from.' }),
    forks: t.relation('forks', { description: 'Executions forked from this one, oldest first.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    events: t.relation('events', {
      args: { afterSeq: t.arg.int({ description: 'Only events after this sequence number.' }) },
      query: ({ afterSeq }) => ({ where: afterSeq == null ? {} : { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' } }),
    }),
  }),
});

interface ExecutionFilter {
  status?: string | null;
  statuses?: string[] | null;
  workflowId?: string | number | null;
  recipeId?: string | number | null;
  started?: boolean | null;
}

const executionsWhere = (tenantId: string, { status, statuses, workflowId, recipeId, started }: ExecutionFilter): Prisma.ExecutionWhereInput => ({
  tenantId,
  ...(status ? { status } : {}),
  ...(statuses ? { AND: [{ status: { in: statuses } }] } : {}),
  ...(workflowId ? { workflowId: String(workflowId) } : {}),
  ...(recipeId ? { recipeId: String(recipeId) } : {}),
  ...(started == null ? {} : { steps: started ? { some: { startedAt: { not: null } } } : { none: { startedAt: { not: null } } } }),
});

/** An execution the engine just changed, read back with what the operation selects. */
export const reload = (ctx: Context, query: object, id: string) => ctx.db.execution.findUniqueOrThrow({ ...query, where: { id } });

builder.queryFields((t) => ({
  execution: t.prismaField({
    type: 'Execution',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.execution.findFirst({ ...query, where: { id: String(id), tenantId: ctx.tenant.id } }),
  }),
  executions: t.prismaConnection(
    {
      type: 'Execution',
      cursor: 'id',
      description: "The tenant's executions (of markdown workflows and recipes), newest first.",
      args: {
        status: t.arg({ type: ExecutionStatus }),
        statuses: t.arg({ type: [ExecutionStatus], description: 'Only executions with one of these statuses (with `status` too: both apply).' }),
        workflowId: t.arg.id(),
        recipeId: t.arg.id({ description: 'Only executions of this recipe (its rcp_… id).' }),
        started: t.arg.boolean({ description: 'true: only executions where a step has started; false: only those where none has yet (the recipe API\'s `pending`).' }),
        offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }),
      },
      resolve: (query, _root, { offset, ...filter }, ctx) =>
        ctx.db.execution.findMany({
          ...query,
          skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)),
          where: executionsWhere(ctx.tenant.id, filter),
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
      totalCount: (_root, { offset: _offset, ...filter }, ctx) => ctx.db.execution.count({ where: executionsWhere(ctx.tenant.id, filter) }),
    },
    { name: 'ExecutionConnection' },
    { name: 'ExecutionEdge' },
  ),
}));

builder.mutationField('runWorkflow', (t) =>
  t.prismaField({
    type: 'Execution',
    description: "Starts an execution and returns at once; bad inputs are a ValidationError naming every problem; an agent whose tool server the tenant has not configured is a ConflictError.",
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: { workflowId: t.arg.id({ required: true }), inputs: t.arg({ type: 'JSON' }), budget: t.arg({ type: BudgetInput, description: "Over the workflow's default budget (updateWorkflowSettings)." }) },
    resolve: async (query, _root, { workflowId, inputs, budget }, ctx) => reload(ctx, query, (await startExecution(ctx, ctx.tenant.id, String(workflowId), inputs ?? {}, 'manual', { budget })).id),
  }),
);

builder.mutationField('runRecipe', (t) =>
  t.prismaField({
    type: 'Execution',
    description:
      'Starts an execution of a recipe and returns at once. The recipe is compiled afresh with its agents as they are now and copied into the execution. ' +
      'Bad inputs are a ValidationError naming every problem; an agent that can no longer run (inactive, unknown model) is a ConflictError naming the steps. Counts a use of the recipe.',
    errors: { types: [NotFoundError, ValidationError, ConflictError] },
    args: { id: t.arg.id({ required: true, description: "The recipe's id (rcp_…) or its template_id." }), inputs: t.arg({ type: 'JSON' }), budget: t.arg({ type: BudgetInput }) },
    resolve: async (query, _root, { id, inputs, budget }, ctx) => reload(ctx, query, (await startRecipeExecution(ctx, ctx.tenant.id, String(id), inputs ?? {}, 'manual', { budget })).id),
  }),
);

builder.mutationFields((t) => ({
  approveStep: t.prismaField({
    type: 'Execution',
    description: 'Approves or rejects a step awaiting approval; a rejection needs a reason (the revised step gets it as feedback).',
    errors: { types: [NotFoundError, ConflictError, ValidationError] },
    args: {
      executionId: t.arg.id({ required: true }),
      stepId: t.arg.string({ required: true }),
      approved: t.arg.boolean({ required: true }),
      reason: t.arg.string(),
    },
    resolve: async (query, _root, args, ctx) => reload(ctx, query, await decideApproval(ctx, ctx.tenant.id, String(args.executionId), args.stepId, args.approved, args.reason ?? null)),
  }),
  stopExecution: t.prismaField({
    type: 'Execution',
    description: 'Stops a running execution: queued steps never start and in-flight model calls are aborted.',
    errors: { types: [NotFoundError, ConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => reload(ctx, query, await stopExecution(ctx, ctx.tenant.id, String(id))),
  }),
}));

const ExecutionEventMessage = builder.objectRef<Events['executionEvent']>('ExecutionEventMessage').implement({
  description: 'A state change of an execution (with its seq), or a token delta of a running step (type step.token, seq null).',
  fields: (t) => ({
    executionId: t.exposeID('executionId'),
    seq: t.exposeInt('seq', { nullable: true }),
    kind: t.expose('type', { type: ExecutionEventKind }),
    type: t.exposeString('type', { deprecationReason: 'Use kind (the same, as an enum).' }),
    payload: t.field({ type: 'JSON', description: '`itemIndex` is null for a step that is not an item of a For each step.', resolve: (event) => eventPayload(event.payload) }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }),
});

builder.subscriptionField('executionEvents', (t) =>
  t.field({
    type: ExecutionEventMessage,
    description:
      'Every state change of one execution: with afterSeq, first the stored events after it, then live ones, with no gap or duplicate; token deltas of running steps are live only. ' +
      'It completes once the execution has finished (execution.completed, execution.failed or execution.stopped) and no refinement is running, right after the last stored event: at once, after the replay, when it had already finished. ' +
      'Opened while a refinement runs (after refineExecution returned), it delivers the refinement and completes after refine.completed or refine.failed; a refinement requested later needs a new subscription.',
    args: { executionId: t.arg.id({ required: true }), afterSeq: t.arg.int() },
    subscribe: async (_root, { executionId, afterSeq }, ctx) => {
      const execution = await ctx.db.execution.findFirst({ where: { id: String(executionId), tenantId: ctx.tenant.id }, select: { id: true } });
      if (!execution) throw executionNotFound(String(executionId));
      return executionEvents(ctx.db, ctx.pubsub, execution.id, afterSeq ?? 0);
    },
    resolve: (event) => event,
  }),
);
