import type { ModelRegistry } from '../compiler/models.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { StoredAgent } from '../recipes/agent.ts';
import { compileRecipe } from '../recipes/compile.ts';
import type { RecipeProblem } from '../recipes/problems.ts';
import type { Db, Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { agentIdsOf, readFields, recipeJson, rowData, withDefaults, type RecipeJson } from './recipe-fields.ts';

export const RECIPE_SORTS = ['popularity', 'created_at', 'use_count', 'average_rating', 'name'] as const;
export type RecipeSort = (typeof RECIPE_SORTS)[number];

export const recipeNotFound = (ref: string) => new NotFoundError('Recipe not found', `No recipe with ID ${ref} exists for this tenant`);
const systemRecipe = (ref: string, action: string) => new ForbiddenError('System recipe', `Recipe ${ref} is a system recipe and cannot be ${action}; clone it into a recipe of your own instead`);

/** Clients address a recipe by its template_id; its `rcp_…` id works too. */
export const byRef = (tenantId: string, ref: string) => ({ tenantId, OR: [{ id: ref }, { templateId: ref }] });

/** "steps[2].agent_id: No agent …; name: …": every problem with its JSON path, as one detail. */
const detailOf = (problems: RecipeProblem[]) => problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');

/**
 * The workspace's agents for the compiler, the ones the steps name locked FOR SHARE: deleteAgent
 * locks its row FOR UPDATE, so either it waits and then sees this recipe, or this sees the agent gone.
 */
async function agentsFor(tx: Tx, tenantId: string, steps: unknown): Promise<StoredAgent[]> {
  const ids = agentIdsOf(steps);
  if (ids.length) await tx.$queryRaw`SELECT id FROM agents WHERE tenant_id = ${tenantId} AND id = ANY(${ids}::text[]) FOR SHARE`;
  const agents = await tx.agent.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return agents.map((agent) => ({ ...agent, status: agent.status as StoredAgent['status'] }));
}

/** The recipe's plan, or a ValidationError naming every problem (the fields' and the compiler's) at once. */
function compiled(recipe: RecipeJson, agents: StoredAgent[], models: ModelRegistry, fieldProblems: RecipeProblem[]) {
  const { plan, problems } = compileRecipe(recipe, agents, models);
  const all = [...fieldProblems, ...problems];
  if (all.length) throw new ValidationError('Invalid recipe', detailOf(all));
  return plan as unknown as Prisma.InputJsonValue;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';
const duplicate = (templateId: unknown) =>
  new ConflictError('Recipe already exists', `A recipe with template_id ${String(templateId)} already exists in this workspace; choose another template_id or update that recipe`);

export async function findRecipe(db: Db | Tx, tenantId: string, ref: string) {
  const recipe = await db.recipe.findFirst({ where: byRef(tenantId, ref) });
  if (!recipe) throw recipeNotFound(ref);
  return recipe;
}

/**
 * The recipe and a plan compiled afresh from it with the workspace's agents as they are now, to be
 * copied into an execution: an agent edited since the recipe was saved runs as edited, and an agent
 * that can no longer run (deactivated, or its model gone) is a ConflictError naming each step.
 */
export async function recipeToRun(db: Db, tenantId: string, ref: string, models: ModelRegistry) {
  const recipe = await findRecipe(db, tenantId, ref);
  const stored = await db.agent.findMany({ where: { tenantId, id: { in: agentIdsOf(recipe.steps) } } });
  const agents = stored.map((agent) => ({ ...agent, status: agent.status as StoredAgent['status'] }));
  const { plan, problems } = compileRecipe(recipeJson(recipe), agents, models);
  if (problems.length) throw new ConflictError('Recipe cannot run', `Recipe ${recipe.templateId} cannot run as its agents are now: ${detailOf(problems)}`);
  return { recipe, plan };
}

/**
 * Compiles the recipe's JSON with the workspace's agents and inserts it; the unique index decides
 * between concurrent creates of one template_id. `problems`: the fields' own, reported with the compiler's.
 */
export async function insertRecipe(tx: Tx, tenantId: string, recipe: RecipeJson, models: ModelRegistry, problems: RecipeProblem[] = [], origin: { clonedFromId?: string; secretKey?: Buffer } = {}) {
  const plan = compiled(recipe, await agentsFor(tx, tenantId, recipe.steps), models, problems);
  return tx.recipe.create({ data: { id: newId('rcp'), tenantId, ...rowData(recipe, null, origin.secretKey), plan, clonedFromId: origin.clonedFromId } });
}

/** Validates (every problem at once), compiles and stores; a template_id the workspace has is a ConflictError. `secretKey` seals a webhook secret. */
export async function createRecipe(db: Db, tenantId: string, input: unknown, models: ModelRegistry, secretKey?: Buffer) {
  const { fields, problems } = readFields(input, 'create');
  const recipe = withDefaults(fields);
  try {
    return await db.$transaction((tx) => insertRecipe(tx, tenantId, recipe, models, problems, { secretKey }));
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(recipe.template_id);
    throw error;
  }
}

/** Locks the recipe for a change: concurrent changes of one recipe apply one after the other. */
async function lockRecipe(tx: Tx, tenantId: string, ref: string) {
  await tx.$queryRaw`SELECT id FROM recipes WHERE tenant_id = ${tenantId} AND (id = ${ref} OR template_id = ${ref}) FOR UPDATE`;
  return findRecipe(tx, tenantId, ref);
}

/** Changes the given fields, then re-validates and recompiles the whole recipe. */
export async function updateRecipe(db: Db, tenantId: string, ref: string, patch: unknown, models: ModelRegistry, secretKey?: Buffer) {
  const { fields, problems } = readFields(patch, 'update');
  return db.$transaction(async (tx) => {
    const current = await lockRecipe(tx, tenantId, ref);
    if (current.isSystem) throw systemRecipe(ref, 'changed');
    const recipe = withDefaults({ ...recipeJson(current), ...fields });
    const plan = compiled(recipe, await agentsFor(tx, tenantId, recipe.steps), models, problems);
    return tx.recipe.update({ where: { id: current.id }, data: { ...rowData(recipe, current.scheduleConfig, secretKey), plan, updatedAt: new Date() } });
  });
}

/** Deletes the recipe and returns it as it was. */
export async function deleteRecipe(db: Db, tenantId: string, ref: string) {
  return db.$transaction(async (tx) => {
    const recipe = await lockRecipe(tx, tenantId, ref);
    if (recipe.isSystem) throw systemRecipe(ref, 'deleted');
    await tx.recipe.delete({ where: { id: recipe.id } });
    return recipe;
  });
}

/** Counts one use: `use_count` + 1 and `last_used_at` now (system recipes too: using is not changing). */
export async function useRecipe(db: Db, tenantId: string, ref: string) {
  const { count } = await db.recipe.updateMany({ where: byRef(tenantId, ref), data: { useCount: { increment: 1 }, lastUsedAt: new Date() } });
  if (count === 0) throw recipeNotFound(ref);
  return findRecipe(db, tenantId, ref);
}

export interface RecipeFilter {
  isFeatured?: boolean | null;
  /** null: public and private. */
  isPublic?: boolean | null;
  /** Name or description, case-insensitively. */
  search?: string | null;
}

export const recipesWhere = (tenantId: string, { isFeatured, isPublic, search }: RecipeFilter): Prisma.RecipeWhereInput => ({
  tenantId,
  ...(isFeatured != null ? { isFeatured } : {}),
  ...(isPublic != null ? { isPublic } : {}),
  ...(search ? { OR: [{ name: { contains: search, mode: 'insensitive' } }, { description: { contains: search, mode: 'insensitive' } }] } : {}),
});

/** Each sort with `id` last, so equal values keep one order across pages (the recipes_tenant_id_*_id indexes). */
export const recipesOrder = (sort: RecipeSort): Prisma.RecipeOrderByWithRelationInput[] => {
  const first: Prisma.RecipeOrderByWithRelationInput = {
    popularity: { popularity: 'desc' },
    created_at: { createdAt: 'desc' },
    use_count: { useCount: 'desc' },
    average_rating: { averageRating: 'desc' },
    name: { name: 'asc' },
  }[sort] as Prisma.RecipeOrderByWithRelationInput;
  return [first, { id: 'asc' }];
};

/** How many of the workspace's public recipes carry each tag, most used first (ties by name). */
export async function recipeCategories(db: Db, tenantId: string): Promise<{ name: string; count: number }[]> {
  const rows = await db.$queryRaw<{ name: string; count: bigint }[]>`
    SELECT tag AS name, count(*) AS count FROM recipes, unnest(tags) AS tag
    WHERE tenant_id = ${tenantId} AND is_public GROUP BY tag ORDER BY count(*) DESC, tag`;
  return rows.map((row) => ({ name: row.name, count: Number(row.count) }));
}

/** Whether a step of one of the workspace's recipes runs the agent: the recipes that do (at most 10 named). */
export async function recipesUsingAgent(db: Db | Tx, tenantId: string, agentId: string) {
  return db.recipe.findMany({
    where: { tenantId, steps: { array_contains: [{ agent_id: agentId }] } },
    select: { id: true, templateId: true },
    orderBy: { templateId: 'asc' },
    take: 10,
  });
}
