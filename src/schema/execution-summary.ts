import { builder } from '../builder.ts';
import { ValidationError } from '../errors.ts';
import { meanDurationMs, successRate, type LiveCounts, type Tally } from '../library/execution-tallies.ts';
import type { ExecutionSummary as Summary } from '../library/execution-summaries.ts';
import { ExecutionStatus } from './execution-update.ts';

// What the dashboards' types share: the kind of a workflow, an execution in a line, and a tally of
// executions. Rates are fractions from 0 to 1, durations milliseconds.

export const WorkflowKind = builder.enumType('WorkflowKind', {
  description: 'What a workflow is written as: a markdown document, or a recipe (JSON steps over stored agents).',
  values: { MARKDOWN: { value: 'markdown' }, RECIPE: { value: 'recipe' } } as const,
});

export const ExecutionSummaryRef = builder.objectRef<Summary>('ExecutionSummary').implement({
  description: 'An execution in a line, for dashboards: what it runs, how it stands, when and for how long (the whole record is `execution(id:)`).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The execution (exec_…).' }),
    kind: t.field({ type: WorkflowKind, description: 'What it runs: a markdown workflow or a recipe.', resolve: (summary) => summary.kind }),
    workflowId: t.exposeID('workflowId', { nullable: true, description: "The markdown workflow it runs; null for a recipe's execution." }),
    recipeId: t.exposeID('recipeId', { nullable: true, description: "The recipe it runs; null for a markdown workflow's execution." }),
    name: t.exposeString('name', { description: "The workflow's or recipe's name when it started." }),
    status: t.field({ type: ExecutionStatus, description: 'Where it stands.', resolve: (summary) => summary.status as never }),
    started: t.exposeBoolean('started', { description: "Whether a step has started: a running execution where none has is the recipe API's `pending`." }),
    triggeredBy: t.exposeString('triggeredBy', { description: 'What started it: `manual` (the API), `cron` or `webhook`.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it finished (completed, failed or stopped); null while live.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'From start to finish; null while live.' }),
  }),
});

export const ExecutionTotals = builder.objectRef<Tally>('ExecutionTotals').implement({
  description: 'Executions started and how the finished ones ended. Live ones are those started and not yet finished.',
  fields: (t) => ({
    started: t.exposeInt('started', { description: 'Executions started.' }),
    completed: t.exposeInt('completed', { description: 'Of those, completed.' }),
    failed: t.exposeInt('failed', { description: 'Of those, failed (a step failed, was rejected, or the total timeout passed).' }),
    stopped: t.exposeInt('stopped', { description: 'Of those, stopped by a person (the recipe API says cancelled).' }),
    successRate: t.float({
      nullable: true,
      description: 'completed ÷ (completed + failed), from 0 to 1: stopped executions are left out, a person\'s decision says nothing about the workflow. Null before any has completed or failed.',
      resolve: (tally) => successRate(tally),
    }),
    avgDurationMs: t.float({ nullable: true, description: 'The mean duration of the completed executions; null before any has completed.', resolve: (tally) => meanDurationMs(tally) }),
  }),
});

export const ExecutionStatusCounts = builder
  .objectRef<{ pending: number; running: number; awaitingApproval: number; completed: number; failed: number; stopped: number; total: number }>('ExecutionStatusCounts')
  .implement({
    description: 'Executions by where they stand now; the counts add up to `total`.',
    fields: (t) => ({
      pending: t.exposeInt('pending', { description: 'Running, but no step has started yet.' }),
      running: t.exposeInt('running', { description: 'Running, with a step started.' }),
      awaitingApproval: t.exposeInt('awaitingApproval', { description: 'Waiting for a person to approve a step.' }),
      completed: t.exposeInt('completed', { description: 'Completed.' }),
      failed: t.exposeInt('failed', { description: 'Failed.' }),
      stopped: t.exposeInt('stopped', { description: 'Stopped by a person (the recipe API says cancelled).' }),
      total: t.exposeInt('total', { description: 'All of them.' }),
    }),
  });

/** Finished ones from the tallies, live ones as they are now: the parts add up to the total. */
export function statusCounts({ tally, live }: { tally: Tally; live: LiveCounts }) {
  const counts = { pending: live.pending, running: live.running, awaitingApproval: live.awaitingApproval, completed: tally.completed, failed: tally.failed, stopped: tally.stopped };
  return { ...counts, total: Object.values(counts).reduce((sum, count) => sum + count, 0) };
}

/** A list argument's size, checked: from 1 to `max`. */
export function sizeOf(name: string, value: number | null | undefined, fallback: number, max: number): number {
  const size = value ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw new ValidationError('Bad request', `${name} must be from 1 to ${max}, got ${size}`).toGraphQL();
  return size;
}
