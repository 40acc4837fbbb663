import type { Db } from '../store/db.ts';
import { EMPTY_TALLY, liveCounts, talliesOf, totalsByKind, type LiveCounts, type Tally } from './execution-tallies.ts';

// The recipe dashboard (GET /api/workflow-recipes/stats/dashboard): every figure from the recipes and
// the execution tallies, none from the recipes' stored `success_rate` (the tallies say it exactly).

export interface RecipeOverview {
  totalRecipes: number;
  /** The mean of the assessed recipes' quality scores; null when none has been assessed. */
  avgQualityScore: number | null;
}

export async function recipeOverview(db: Db, tenantId: string): Promise<RecipeOverview> {
  const [row] = await db.$queryRaw<RecipeOverview[]>`
    SELECT count(*)::int AS "totalRecipes", avg(quality_score)::float8 AS "avgQualityScore" FROM recipes WHERE tenant_id = ${tenantId}`;
  return row;
}

/** The workspace's recipe executions: all-time tallies (deleted recipes' included) and the live ones now. */
export async function recipeExecutionCounts(db: Db, tenantId: string): Promise<{ tally: Tally; live: LiveCounts }> {
  const [totals, live] = await Promise.all([totalsByKind(db, tenantId), liveCounts(db, tenantId, 'recipe')]);
  return { tally: totals.recipe, live };
}

/** The most used recipes (use_count, ties by id), each with its executions' tally. */
export async function topRecipes(db: Db, tenantId: string, limit: number) {
  const recipes = await db.recipe.findMany({ where: { tenantId }, orderBy: [{ useCount: 'desc' }, { id: 'asc' }], take: limit });
  const tallies = await talliesOf(db, tenantId, recipes.map((recipe) => recipe.id));
  return recipes.map((recipe) => ({ recipe, tally: tallies.get(recipe.id) ?? EMPTY_TALLY }));
}
