import { builder } from '../builder.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { forkExecution, previewFork, retryExecution, type ForkPreview as Preview } from '../engine/fork.ts';
import { executionDiff, type ExecutionDiff as Diff } from '../library/execution-diff.ts';
import { reload } from './execution.ts';

const ForkPreview = builder.objectRef<Preview>('ForkPreview').implement({
  description: 'What a fork runs again and keeps, and what running it should cost judging by past runs.',
  fields: (t) => ({
    fromStep: t.exposeString('fromStep'),
    stepsToRun: t.exposeStringList('stepsToRun', { description: 'Plan order: the step, everything depending on it, and any step that had not completed.' }),
    stepsReused: t.exposeStringList('stepsReused', { description: 'Kept as recorded: no model call, no cost.' }),
    estimatedTokens: t.exposeInt('estimatedTokens', { description: 'Tokens in and out the steps to run took in the execution forked from, or on average over the last 50 runs of its workflow or recipe.' }),
    estimatedCostUsd: t.exposeFloat('estimatedCostUsd', { description: 'The same in USD (an estimate from list prices).' }),
    unestimatedSteps: t.exposeStringList('unestimatedSteps', { description: 'Steps to run with no past run to judge by, left out of the estimate.' }),
  }),
});

const Fork = builder.objectRef<{ id: string; preview: Preview }>('Fork').implement({
  description: 'A fork that has started: the new execution, and the preview it was started with.',
  fields: (t) => ({
    execution: t.prismaField({ type: 'Execution', resolve: (query, fork, _args, ctx) => reload(ctx, query, fork.id) }),
    preview: t.field({ type: ForkPreview, resolve: (fork) => fork.preview }),
  }),
});

const FORK_ERRORS = { types: [NotFoundError, ValidationError, ConflictError] };

builder.queryField('forkPreview', (t) =>
  t.field({
    type: ForkPreview,
    description: 'What forkExecution would run, keep and cost, without starting anything.',
    errors: FORK_ERRORS,
    args: { id: t.arg.id({ required: true }), fromStep: t.arg.string({ required: true }), onLatest: t.arg.boolean({ description: 'As forkExecution would with it.' }) },
    resolve: (_root, { id, fromStep, onLatest }, ctx) => previewFork(ctx, ctx.tenant.id, String(id), fromStep, onLatest),
  }),
);

builder.mutationFields((t) => ({
  forkExecution: t.field({
    type: Fork,
    description:
      'Starts a new execution of the same pinned plan that keeps the recorded outputs of every step not depending on `fromStep` (marked `reused`: no model call, no cost) and runs `fromStep` and everything after it. ' +
      '`inputs` override the original ones by name. `onLatest` runs the workflow\'s current version instead (a ValidationError naming the steps when a step the fork keeps changed there). ' +
      '`planOverrides` `{"steps": {"<id>": {"prompt"?, "model"?, "maxTurns"?}}}` changes steps the fork runs (every problem named in one ValidationError). ' +
      'A running execution is a ConflictError; an unknown step, or an item of a For each step, a ValidationError.',
    errors: FORK_ERRORS,
    args: {
      id: t.arg.id({ required: true }),
      fromStep: t.arg.string({ required: true }),
      inputs: t.arg({ type: 'JSON' }),
      onLatest: t.arg.boolean(),
      planOverrides: t.arg({ type: 'JSON' }),
    },
    resolve: (_root, { id, fromStep, inputs, onLatest, planOverrides }, ctx) => forkExecution(ctx, ctx.tenant.id, String(id), fromStep, { inputs, onLatest, planOverrides }),
  }),
  retryExecution: t.field({
    type: Fork,
    description: 'forkExecution from the first step that did not complete (failed, rejected, stopped or never ran); a ConflictError when every step completed.',
    errors: FORK_ERRORS,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => retryExecution(ctx, ctx.tenant.id, String(id)),
  }),
}));

const StepDiff = builder.objectRef<Diff['steps'][number]>('StepDiff').implement({
  description: 'One step (or For each item) of two executions side by side. A status is null where that execution has no such step.',
  fields: (t) => ({
    stepId: t.exposeString('stepId'),
    itemIndex: t.int({ nullable: true, resolve: (step) => (step.itemIndex < 0 ? null : step.itemIndex) }),
    statusA: t.exposeString('statusA', { nullable: true }),
    statusB: t.exposeString('statusB', { nullable: true }),
    sameOutput: t.exposeBoolean('sameOutput'),
    tokensA: t.exposeInt('tokensA', { description: 'Tokens in and out.' }),
    tokensB: t.exposeInt('tokensB'),
    tokensDelta: t.int({ description: 'B − A.', resolve: (step) => step.tokensB - step.tokensA }),
    costDeltaUsd: t.float({ description: 'B − A.', resolve: (step) => step.costB - step.costA }),
  }),
});

const ExecutionDiff = builder.objectRef<Diff>('ExecutionDiff').implement({
  description: 'Two executions compared step by step: what changed, what it cost, and where they first diverge.',
  fields: (t) => ({
    a: t.prismaField({ type: 'Execution', resolve: (query, diff, _args, ctx) => reload(ctx, query, diff.a) }),
    b: t.prismaField({ type: 'Execution', resolve: (query, diff, _args, ctx) => reload(ctx, query, diff.b) }),
    firstDivergence: t.exposeString('firstDivergence', { nullable: true, description: "The first step, in A's plan order, whose status or output differs; null when none does." }),
    steps: t.field({ type: [StepDiff], resolve: (diff) => diff.steps }),
    tokensDelta: t.int({ description: 'B − A over every step.', resolve: (diff) => diff.steps.reduce((sum, step) => sum + step.tokensB - step.tokensA, 0) }),
    costDeltaUsd: t.float({ description: 'B − A over every step.', resolve: (diff) => diff.steps.reduce((sum, step) => sum + step.costB - step.costA, 0) }),
  }),
});

builder.queryField('executionDiff', (t) =>
  t.field({
    type: ExecutionDiff,
    description: 'Compares two executions (a fork and its source, two runs of one workflow): per step, same or changed output, token and cost deltas, and the first step where they diverge.',
    errors: { types: [NotFoundError] },
    args: { a: t.arg.id({ required: true }), b: t.arg.id({ required: true }) },
    resolve: (_root, { a, b }, ctx) => executionDiff(ctx.db, ctx.tenant.id, String(a), String(b)),
  }),
);
