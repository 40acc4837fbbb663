import { builder } from '../builder.ts';
import { LOCAL_ATTEMPTS } from '../engine/in-flight.ts';
import { DEAD_AFTER_MS } from '../engine/step-deps.ts';
import { activeCount, activeWorkflows, systemLoad, type ActiveWorkflow, type LiveExecution as Live, type SystemLoad as Load } from '../library/active-workflows.ts';
import type { Tally } from '../library/execution-tallies.ts';
import { ExecutionStatus } from './execution-update.ts';
import { ExecutionSummaryRef, ExecutionTotals, sizeOf, WorkflowKind } from './execution-summary.ts';

// What runs now, grouped by workflow (the recipe API's GET /api/workflows/active).

const LiveExecution = builder.objectRef<Live>('LiveExecution').implement({
  description: 'An execution running or awaiting approval, and how far it has come.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The execution (exec_…).' }),
    status: t.field({ type: ExecutionStatus, description: 'RUNNING or AWAITING_APPROVAL.', resolve: (live) => live.status as never }),
    started: t.exposeBoolean('started', { description: "Whether a step has started (a running execution where none has is the recipe API's `pending`)." }),
    stepsTotal: t.exposeInt('stepsTotal', { description: "The plan's steps." }),
    stepsFinished: t.exposeInt('stepsFinished', { description: 'Of those, the ones that have ended (completed, skipped, failed, rejected or stopped).' }),
    progress: t.float({ description: 'stepsFinished ÷ stepsTotal, from 0 to 1.', resolve: (live) => (live.stepsTotal > 0 ? live.stepsFinished / live.stepsTotal : 0) }),
    currentStep: t.exposeString('currentStep', { nullable: true, description: 'The title of the first step (in plan order) running, awaiting approval or queued; null when none is.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    estimatedCompletion: t.expose('estimatedCompletion', {
      type: 'DateTime',
      nullable: true,
      description: "startedAt plus the mean duration of this workflow's completed executions (in the past when this one runs longer than they did); null when none has completed.",
    }),
  }),
});

const WorkflowMetrics = builder.objectRef<{ tally: Tally; lastExecutionAt: Date }>('WorkflowMetrics').implement({
  description: "A workflow's (or recipe's) executions, all time.",
  fields: (t) => ({
    executions: t.field({ type: ExecutionTotals, description: 'Started, and how the finished ones ended, with the success rate and mean duration.', resolve: (m) => m.tally }),
    lastExecutionAt: t.expose('lastExecutionAt', { type: 'DateTime', description: 'When its newest execution started.' }),
  }),
});

const ActiveWorkflowRef = builder.objectRef<ActiveWorkflow>('ActiveWorkflow').implement({
  description: 'A workflow or recipe with an execution running or awaiting approval.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The markdown workflow (wf_…) or the recipe (rcp_…).' }),
    kind: t.field({ type: WorkflowKind, description: 'Markdown workflow or recipe.', resolve: (w) => w.kind }),
    name: t.exposeString('name', { description: 'Its name now (as its execution recorded it, for a recipe deleted since).' }),
    description: t.exposeString('description', { description: 'Its description now; empty for a recipe deleted since.' }),
    templateId: t.exposeString('templateId', { nullable: true, description: "A recipe's template_id; null for a markdown workflow." }),
    liveExecutions: t.exposeInt('liveExecutions', { description: 'How many of its executions are running or awaiting approval.' }),
    running: t.exposeBoolean('running', { description: 'Whether one of them is running (false: all of them wait for a person).' }),
    currentExecution: t.field({ type: LiveExecution, description: 'Its live execution that started last.', resolve: (w) => w.current }),
    metrics: t.field({ type: WorkflowMetrics, description: 'All its executions.', resolve: (w) => ({ tally: w.tally, lastExecutionAt: w.lastExecutionAt }) }),
    recentExecutions: t.field({ type: [ExecutionSummaryRef], description: 'Its newest executions (at most 5), live or finished, newest first.', resolve: (w) => w.recent }),
  }),
});

const SystemLoadRef = builder.objectRef<Load>('SystemLoad').implement({
  description: "How much of the workers' capacity the workspace's steps take now.",
  fields: (t) => ({
    runningSteps: t.exposeInt('runningSteps', { description: "The workspace's step attempts running now." }),
    queuedSteps: t.exposeInt('queuedSteps', { description: "The workspace's steps queued for a worker, not started yet." }),
    workers: t.exposeInt('workers', { description: `Worker processes alive (a heartbeat in the last ${DEAD_AFTER_MS / 1000} seconds).` }),
    capacity: t.exposeInt('capacity', { description: `Step attempts the live workers run at once at most (${LOCAL_ATTEMPTS} each).` }),
    load: t.exposeFloat('load', { nullable: true, description: 'runningSteps ÷ capacity, from 0 to 1; null when no worker is alive.' }),
  }),
});

const ActiveWorkflows = builder.objectRef<{ tenantId: string; at: Date }>('ActiveWorkflows').implement({
  description: 'What the workspace runs now, by workflow.',
  fields: (t) => ({
    workflows: t.field({
      type: [ActiveWorkflowRef],
      description: 'The workflows and recipes with a live execution, the one whose live execution started last first (ties by id); `first` of them (1–100).',
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (root, { first }, ctx) => activeWorkflows(ctx.db, root.tenantId, sizeOf('workflows(first:)', first, 20, 100)),
    }),
    totalActive: t.int({ description: 'How many workflows and recipes have a live execution (all of them, beyond `first`).', resolve: (root, _args, ctx) => activeCount(ctx.db, root.tenantId) }),
    systemLoad: t.field({
      type: SystemLoadRef,
      description: "How much of the workers' capacity the workspace's steps take now.",
      resolve: (root, _args, ctx) => systemLoad(ctx.db, root.tenantId, { aliveMs: DEAD_AFTER_MS, attemptsPerWorker: LOCAL_ATTEMPTS }),
    }),
    lastUpdated: t.expose('at', { type: 'DateTime', description: 'When this was read.' }),
  }),
});

builder.queryField('activeWorkflows', (t) =>
  t.field({
    type: ActiveWorkflows,
    description: "The caller's workspace's live executions (running or awaiting approval), grouped by the workflow or recipe they run.",
    resolve: (_root, _args, ctx) => ({ tenantId: ctx.tenant.id, at: new Date() }),
  }),
);
