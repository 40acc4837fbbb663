import type { Recipe } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { successRate, type Tally } from '../library/execution-tallies.ts';
import { recipeExecutionCounts, recipeOverview, topRecipes } from '../library/recipe-stats.ts';
import { ExecutionStatusCounts, ExecutionTotals, sizeOf, statusCounts } from './execution-summary.ts';
import { lazily, type Lazy } from './lazily.ts';
import { RecipeRef } from './recipe.ts';

// The recipe dashboard: each part is read only when selected, and overview and statusBreakdown share
// one read of the execution counts.

interface RecipeStatsRoot {
  tenantId: string;
  counts: Lazy<Awaited<ReturnType<typeof recipeExecutionCounts>>>;
}

const RecipeStatsOverview = builder
  .objectRef<{ totalRecipes: number; totalExecutions: number; avgQualityScore: number | null; tally: Tally }>('RecipeStatsOverview')
  .implement({
    description: "The workspace's recipes and their executions, in four figures.",
    fields: (t) => ({
      totalRecipes: t.exposeInt('totalRecipes', { description: "The workspace's recipes (public and private)." }),
      totalExecutions: t.exposeInt('totalExecutions', { description: 'Executions of recipes ever started in the workspace, live ones and those of recipes deleted since included.' }),
      avgQualityScore: t.exposeFloat('avgQualityScore', { nullable: true, description: 'The mean quality score (0–1) of the recipes assessed so far; null when none has been.' }),
      successRate: t.float({
        nullable: true,
        description: 'Of the recipe executions that completed or failed, the share that completed (0–1); stopped ones are left out. Null before any finished.',
        resolve: (o) => successRate(o.tally),
      }),
    }),
  });

const RecipeUsage = builder.objectRef<{ recipe: Recipe; tally: Tally }>('RecipeUsage').implement({
  description: 'A recipe and what its executions did.',
  fields: (t) => ({
    recipe: t.field({ type: RecipeRef, description: 'The recipe.', resolve: (usage) => usage.recipe }),
    executions: t.field({ type: ExecutionTotals, description: "The recipe's executions, all time.", resolve: (usage) => usage.tally }),
  }),
});

const RecipeStats = builder.objectRef<RecipeStatsRoot>('RecipeStats').implement({
  description: "The recipe dashboard: the workspace's recipes, their executions by status, and the most used recipes.",
  fields: (t) => ({
    overview: t.field({
      type: RecipeStatsOverview,
      description: 'Totals: recipes, their executions, mean quality score and success rate.',
      resolve: async (root, _args, ctx) => {
        const [overview, counts] = await Promise.all([recipeOverview(ctx.db, root.tenantId), root.counts()]);
        return { ...overview, totalExecutions: statusCounts(counts).total, tally: counts.tally };
      },
    }),
    statusBreakdown: t.field({
      type: ExecutionStatusCounts,
      description: 'The recipe executions (totalExecutions of them) by where they stand now.',
      resolve: async (root) => statusCounts(await root.counts()),
    }),
    topRecipes: t.field({
      type: [RecipeUsage],
      description: 'The most used recipes (by useCount, ties by id), `first` of them (1–100).',
      args: { first: t.arg.int({ defaultValue: 10 }) },
      resolve: (root, { first }, ctx) => topRecipes(ctx.db, root.tenantId, sizeOf('topRecipes(first:)', first, 10, 100)),
    }),
  }),
});

builder.queryField('recipeStats', (t) =>
  t.field({
    type: RecipeStats,
    description: "The recipe dashboard of the caller's workspace, from its recipes and executions as they are now.",
    resolve: (_root, _args, ctx) => ({ tenantId: ctx.tenant.id, counts: lazily(() => recipeExecutionCounts(ctx.db, ctx.tenant.id)) }),
  }),
);
