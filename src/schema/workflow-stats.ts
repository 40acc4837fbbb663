import { builder } from '../builder.ts';
import { addTallies, dailyTallies, liveCounts, totalsByKind, type LiveCounts, type Tally, type WorkflowKind as Kind } from '../library/execution-tallies.ts';
import { recentExecutions } from '../library/execution-summaries.ts';
import { workflowCounts } from '../library/workflow-stats.ts';
import { ExecutionStatusCounts, ExecutionSummaryRef, ExecutionTotals, sizeOf, statusCounts, WorkflowKind } from './execution-summary.ts';
import { lazily, type Lazy } from './lazily.ts';

// The workflow dashboard (the recipe API's GET /api/workflows/stats/dashboard): markdown workflows
// and recipes together. Each part is read only when selected; parts that need the same figures share one read.

interface Root {
  tenantId: string;
  at: Date;
  totals: Lazy<Record<Kind, Tally>>;
  live: Lazy<LiveCounts>;
  counts: Lazy<Record<Kind, number>>;
}

const WorkflowStatsOverview = builder.objectRef<{ counts: Record<Kind, number>; tally: Tally; live: LiveCounts }>('WorkflowStatsOverview').implement({
  description: "The workspace's workflows and executions, in totals.",
  fields: (t) => ({
    totalWorkflows: t.int({ description: 'Markdown workflows (not deleted) and recipes.', resolve: (o) => o.counts.markdown + o.counts.recipe }),
    markdownWorkflows: t.int({ description: 'Markdown workflows (not deleted).', resolve: (o) => o.counts.markdown }),
    recipes: t.int({ description: 'Recipes (public and private).', resolve: (o) => o.counts.recipe }),
    activeWorkflows: t.int({ description: 'Workflows and recipes with an execution running or awaiting approval now.', resolve: (o) => o.live.sources }),
    totalExecutions: t.int({ description: 'Executions ever started (live ones included).', resolve: (o) => statusCounts(o).total }),
    liveExecutions: t.int({ description: 'Executions running or awaiting approval now.', resolve: (o) => o.live.pending + o.live.running + o.live.awaitingApproval }),
    statusBreakdown: t.field({ type: ExecutionStatusCounts, description: 'All executions by where they stand now.', resolve: (o) => statusCounts(o) }),
  }),
});

const DayStats = builder.objectRef<Tally & { day: Date }>('DayStats').implement({
  description: 'The executions that started on one day (UTC), and how they have ended so far.',
  fields: (t) => ({
    date: t.string({ description: 'The day, YYYY-MM-DD (UTC).', resolve: (d) => d.day.toISOString().slice(0, 10) }),
    executions: t.field({ type: ExecutionTotals, description: 'Started that day, and how the finished ones ended.', resolve: (d) => d }),
  }),
});

const WorkflowTypeStats = builder.objectRef<{ kind: Kind; count: number; share: number | null; tally: Tally }>('WorkflowTypeStats').implement({
  description: 'The workflows of one kind and their executions.',
  fields: (t) => ({
    kind: t.field({ type: WorkflowKind, description: 'Markdown workflows or recipes.', resolve: (w) => w.kind }),
    count: t.exposeInt('count', { description: 'How many the workspace has.' }),
    share: t.exposeFloat('share', { nullable: true, description: 'Their share of all workflows, from 0 to 1; null when the workspace has none.' }),
    executions: t.field({ type: ExecutionTotals, description: 'Their executions, all time.', resolve: (w) => w.tally }),
  }),
});

const WorkflowStats = builder.objectRef<Root>('WorkflowStats').implement({
  description: "The workflow dashboard: the workspace's markdown workflows and recipes and their executions.",
  fields: (t) => ({
    overview: t.field({
      type: WorkflowStatsOverview,
      description: 'Totals.',
      resolve: async (root) => {
        const [counts, totals, live] = await Promise.all([root.counts(), root.totals(), root.live()]);
        return { counts, tally: addTallies(totals.markdown, totals.recipe), live };
      },
    }),
    today: t.field({
      type: DayStats,
      description: 'The executions started today (UTC).',
      resolve: async (root, _args, ctx) => (await dailyTallies(ctx.db, root.tenantId, 1, root.at))[0],
    }),
    performance: t.field({
      type: ExecutionTotals,
      description: 'All executions, all time: started, how they ended, the success rate and the mean duration of the completed ones.',
      resolve: async (root) => {
        const totals = await root.totals();
        return addTallies(totals.markdown, totals.recipe);
      },
    }),
    workflowTypes: t.field({
      type: [WorkflowTypeStats],
      description: 'Markdown workflows and recipes: how many, their share, their executions.',
      resolve: async (root) => {
        const [counts, totals] = await Promise.all([root.counts(), root.totals()]);
        const all = counts.markdown + counts.recipe;
        return (['markdown', 'recipe'] as const).map((kind) => ({ kind, count: counts[kind], share: all ? counts[kind] / all : null, tally: totals[kind] }));
      },
    }),
    executionTrends: t.field({
      type: [DayStats],
      description: 'One entry per day (UTC), oldest first, for the last `days` days (1–366) up to today; days without executions are there with zeros.',
      args: { days: t.arg.int({ defaultValue: 30 }) },
      resolve: (root, { days }, ctx) => dailyTallies(ctx.db, root.tenantId, sizeOf('executionTrends(days:)', days, 30, 366), root.at),
    }),
    recentActivity: t.field({
      type: [ExecutionSummaryRef],
      description: "The workspace's newest executions, newest first; `first` of them (1–100).",
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (root, { first }, ctx) => recentExecutions(ctx.db, root.tenantId, sizeOf('recentActivity(first:)', first, 20, 100)),
    }),
    lastUpdated: t.expose('at', { type: 'DateTime', description: 'When this was read.' }),
  }),
});

builder.queryField('workflowStats', (t) =>
  t.field({
    type: WorkflowStats,
    description: "The workflow dashboard of the caller's workspace, from its workflows, recipes and executions as they are now.",
    resolve: (_root, _args, ctx) => {
      const tenantId = ctx.tenant.id;
      return {
        tenantId,
        at: new Date(),
        totals: lazily(() => totalsByKind(ctx.db, tenantId)),
        live: lazily(() => liveCounts(ctx.db, tenantId)),
        counts: lazily(() => workflowCounts(ctx.db, tenantId)),
      };
    },
  }),
);
