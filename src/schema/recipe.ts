import { builder } from '../builder.ts';
import type { Context } from '../server/context.ts';
import { applyRecipeSchedule, disarmSchedule } from '../triggers/schedules.ts';

/** A recipe just saved, with its schedule_config applied to its cron schedule. */
async function scheduled<R extends { id: string; tenantId: string; scheduleConfig: unknown }>(ctx: Context, recipe: R): Promise<R> {
  await applyRecipeSchedule(ctx, recipe);
  return recipe;
}
import type { Plan } from '../compiler/plan.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { agentIdsOf, publicSchedule } from '../library/recipe-fields.ts';
import {
  createRecipe, deleteRecipe, recipeCategories, recipesOrder, recipesWhere, updateRecipe, useRecipe, RECIPE_SORTS, type RecipeSort,
} from '../library/recipes.ts';
import { PlanRef } from './plan.ts';

// A recipe's JSON is the recipe API's contract (spec recipes-api.md §2), snake_case and free-form
// where the product's is (steps, inputs, configs): mutations take it as JSON and the recipe compiler
// validates it, naming each problem by its JSON path. What Baton derives from it is typed (`plan`).

const RecipeSortEnum = builder.enumType('RecipeSort', {
  description: 'How `recipes` are ordered; ties by id, so pages never overlap.',
  values: Object.fromEntries(RECIPE_SORTS.map((sort) => [sort.toUpperCase(), { value: sort }])) as Record<string, { value: RecipeSort }>,
});

export const RecipeRef = builder.prismaNode('Recipe', {
  description: 'A JSON workflow over stored agents (the recipe API), with the plan it compiles to.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  fields: (t) => ({
    templateId: t.exposeString('templateId', { description: 'The slug clients address the recipe by; unique in the workspace.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    tags: t.exposeStringList('tags'),
    templateDefinition: t.expose('templateDefinition', { type: 'JSON' }),
    steps: t.expose('steps', { type: 'JSON', description: 'As written: `[{step_id, order, agent_id, prompt_template, …}]` (docs/recipes.md).' }),
    inputs: t.expose('inputs', { type: 'JSON' }),
    outputs: t.expose('outputs', { type: 'JSON' }),
    executionConfig: t.expose('executionConfig', { type: 'JSON', description: 'The given settings over the defaults.' }),
    scheduleConfig: t.field({ type: 'JSON', nullable: true, description: 'Null: run by hand only. `webhook_secret` is write-only: stored encrypted, never shown (`webhook_signed: true` says there is one).', resolve: (recipe) => publicSchedule(recipe.scheduleConfig) }),
    recommendedAgents: t.expose('recommendedAgents', { type: 'JSON' }),
    requiredTools: t.exposeStringList('requiredTools'),
    qualityScore: t.exposeFloat('qualityScore', { nullable: true, description: 'Null until assessed.' }),
    learningData: t.expose('learningData', { type: 'JSON', nullable: true, description: 'Null until learned.' }),
    useCount: t.exposeInt('useCount'),
    successRate: t.exposeFloat('successRate'),
    popularity: t.exposeFloat('popularity'),
    averageRating: t.exposeFloat('averageRating'),
    installCount: t.exposeInt('installCount'),
    isPublic: t.exposeBoolean('isPublic'),
    isFeatured: t.exposeBoolean('isFeatured'),
    isSystem: t.exposeBoolean('isSystem', { description: 'Shipped with Baton: neither updated nor deleted through the API.' }),
    isApproved: t.exposeBoolean('isApproved'),
    isMarketplaceItem: t.exposeBoolean('isMarketplaceItem'),
    previewImage: t.exposeString('previewImage', { nullable: true }),
    documentationUrl: t.exposeString('documentationUrl', { nullable: true }),
    version: t.exposeString('version'),
    changelog: t.expose('changelog', { type: 'JSON' }),
    ownerType: t.exposeString('ownerType'),
    clonedFromId: t.exposeString('clonedFromId', { nullable: true }),
    createdBy: t.exposeString('createdBy', { nullable: true }),
    plan: t.field({ type: PlanRef, description: 'The compiled plan, recompiled on every change.', resolve: (recipe) => recipe.plan as unknown as Plan }),
    agents: t.prismaField({
      type: ['Agent'],
      description: "The workspace's agents the steps run (an agent deleted since is missing).",
      resolve: (query, recipe, _args, ctx) => ctx.db.agent.findMany({ ...query, where: { tenantId: ctx.tenant.id, id: { in: agentIdsOf(recipe.steps) } } }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
  }),
});

const RecipeCategoryRef = builder.objectRef<{ name: string; count: number }>('RecipeCategory').implement({
  description: 'A tag and how many of the workspace\'s public recipes carry it.',
  fields: (t) => ({ name: t.exposeString('name'), count: t.exposeInt('count') }),
});

builder.queryFields((t) => ({
  recipe: t.prismaField({
    type: 'Recipe',
    nullable: true,
    description: "One of the workspace's recipes by `id` (rcp_…) or `templateId`; null when there is none.",
    args: { id: t.arg.id(), templateId: t.arg.string() },
    resolve: (query, _root, { id, templateId }, ctx) => {
      if ((id == null) === (templateId == null)) throw new ValidationError('Bad request', 'recipe takes exactly one of `id` and `templateId`').toGraphQL();
      return ctx.db.recipe.findFirst({ ...query, where: id != null ? { id: String(id), tenantId: ctx.tenant.id } : { templateId: templateId!, tenantId: ctx.tenant.id } });
    },
  }),
  recipes: t.prismaConnection(
    {
      type: 'Recipe',
      cursor: 'id',
      description: "The workspace's recipes; `search` matches name and description case-insensitively; `isPublic` null lists public and private ones.",
      args: {
        isFeatured: t.arg.boolean(),
        isPublic: t.arg.boolean({ defaultValue: true }),
        search: t.arg.string(),
        sortBy: t.arg({ type: RecipeSortEnum, defaultValue: 'popularity' }),
        offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }),
      },
      resolve: (query, _root, { isFeatured, isPublic, search, sortBy, offset }, ctx) =>
        ctx.db.recipe.findMany({
          ...query,
          skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)),
          where: recipesWhere(ctx.tenant.id, { isFeatured, isPublic, search }),
          orderBy: recipesOrder(sortBy ?? 'popularity'),
        }),
      totalCount: (_root, { isFeatured, isPublic, search }, ctx) => ctx.db.recipe.count({ where: recipesWhere(ctx.tenant.id, { isFeatured, isPublic, search }) }),
    },
    { name: 'RecipeConnection' },
    { name: 'RecipeEdge' },
  ),
  recipeCategories: t.field({
    type: [RecipeCategoryRef],
    description: "The tags of the workspace's public recipes with how many carry each, most used first.",
    resolve: (_root, _args, ctx) => recipeCategories(ctx.db, ctx.tenant.id),
  }),
  featuredRecipes: t.prismaField({
    type: ['Recipe'],
    description: "The workspace's featured public recipes, most popular first; `limit` 1–50.",
    args: { limit: t.arg.int({ defaultValue: 10 }) },
    resolve: (query, _root, { limit }, ctx) => {
      const count = limit ?? 10;
      if (!Number.isInteger(count) || count < 1 || count > 50) throw new ValidationError('Bad request', `featuredRecipes(limit:) must be from 1 to 50, got ${count}`).toGraphQL();
      return ctx.db.recipe.findMany({ ...query, where: recipesWhere(ctx.tenant.id, { isFeatured: true, isPublic: true }), orderBy: recipesOrder('popularity'), take: count });
    },
  }),
}));

const REF = 'The recipe\'s id (rcp_…) or its template_id.';

builder.mutationFields((t) => ({
  createRecipe: t.prismaField({
    type: 'Recipe',
    description:
      'Stores a recipe written as the recipe API\'s JSON (snake_case: template_id, name, steps, …; docs/recipes.md). Taken as JSON because that JSON is the contract; the recipe compiler checks it and every problem is named at once by its JSON path (ValidationError). A template_id the workspace already has is a ConflictError.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: 'JSON', required: true }) },
    resolve: async (_query, _root, { input }, ctx) => scheduled(ctx, await createRecipe(ctx.db, ctx.tenant.id, input, ctx.models, ctx.toolServerPolicy.secretKey)),
  }),
  updateRecipe: t.prismaField({
    type: 'Recipe',
    description: 'Changes the given fields (the recipe API\'s JSON; null sets a field back to its default), then re-validates and recompiles the whole recipe. System recipes are refused (ForbiddenError).',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { id: t.arg.id({ required: true, description: REF }), patch: t.arg({ type: 'JSON', required: true }) },
    resolve: async (_query, _root, { id, patch }, ctx) => scheduled(ctx, await updateRecipe(ctx.db, ctx.tenant.id, String(id), patch, ctx.models, ctx.toolServerPolicy.secretKey)),
  }),
  deleteRecipe: t.prismaField({
    type: 'Recipe',
    description: 'Deletes a recipe and returns it as it was. System recipes are refused (ForbiddenError).',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { id: t.arg.id({ required: true, description: REF }) },
    resolve: async (_query, _root, { id }, ctx) => {
      const schedule = await ctx.db.schedule.findFirst({ where: { tenantId: ctx.tenant.id, recipe: { OR: [{ id: String(id) }, { templateId: String(id) }] } } });
      const recipe = await deleteRecipe(ctx.db, ctx.tenant.id, String(id));
      // The schedule row went with the recipe (cascade); the scheduler's entry goes now (and a fire
      // racing the delete finds no schedule and removes it too).
      if (schedule) await disarmSchedule(ctx.boss, schedule.id);
      return recipe;
    },
  }),
  useRecipe: t.prismaField({
    type: 'Recipe',
    description: 'Counts a use of the recipe: useCount + 1, lastUsedAt now.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true, description: REF }) },
    resolve: (_query, _root, { id }, ctx) => useRecipe(ctx.db, ctx.tenant.id, String(id)),
  }),
}));
