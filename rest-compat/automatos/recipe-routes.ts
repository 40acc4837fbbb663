import type { z } from 'zod';
import type { RecipeSort } from '../../src/generated/graphql/graphql.ts';
import { failIfError } from '../graphql.ts';
import { found, type Call, type RestRoute } from '../route.ts';
import * as op from './operations.ts';
import * as schema from './schemas.ts';
import * as shape from './shapes.ts';

const BASE = '/api/workflow-recipes';

const example: z.infer<typeof schema.Recipe> = {
  id: 'rcp_0h3bq9c2m1x8v7k4l5p6n2r1t',
  template_id: 'research-brief',
  name: 'Research brief',
  description: 'Researches a topic, then writes a one-page brief.',
  tags: ['research', 'writing'],
  template_definition: {},
  steps: [
    { step_id: 'research', order: 1, agent_id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', prompt_template: 'Research {input.topic}.' },
    { step_id: 'write', order: 2, agent_id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', prompt_template: 'Write a brief from: {previous_output}' },
  ],
  inputs: { topic: { type: 'string', required: true, description: 'What to research' } },
  outputs: {},
  execution_config: { mode: 'sequential', max_retries: 1, timeout_per_step: 300, total_timeout: 600, auto_learning: true },
  schedule_config: null,
  recommended_agents: [],
  required_tools: [],
  quality_score: null,
  learning_data: null,
  use_count: 0,
  success_rate: 0,
  popularity: 0,
  average_rating: 0,
  install_count: 0,
  is_public: true,
  is_featured: false,
  is_system: false,
  is_approved: false,
  preview_image: null,
  documentation_url: null,
  version: '1.0',
  changelog: [],
  owner_type: 'workspace',
  cloned_from_id: null,
  created_by: null,
  created_at: '2026-02-27T10:30:00.000Z',
  updated_at: '2026-02-27T10:30:00.000Z',
  last_used_at: null,
  is_marketplace_item: false,
};

const detailExample: z.infer<typeof schema.RecipeDetail> = {
  ...example,
  steps: [
    { ...example.steps[0], agent: { id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', name: 'Researcher', model: 'sonnet', provider: 'anthropic', tool_count: 1, status: 'active' } },
    { ...example.steps[1], agent: null },
  ],
};

/** `/{recipe_id}` is the template_id (the product's); Baton's rcp_… id is accepted as well. */
export async function recipeByRef(run: Call['run'], ref: string) {
  const { recipe } = await run(op.GetRecipe, { templateId: ref });
  if (recipe || !ref.startsWith('rcp_')) return found(recipe, 'Recipe', ref);
  return found((await run(op.GetRecipe, { id: ref })).recipe, 'Recipe', ref);
}

const flag = (value: unknown) => (value === undefined ? undefined : value === 'true');

// The literal paths (categories/list, featured/list) come before `/:recipe_id…`: the first matching route wins.
export const recipeRoutes = (): RestRoute[] => [
  {
    method: 'GET',
    path: `${BASE}/categories/list`,
    operationId: 'listRecipeCategories',
    summary: "The tags of the workspace's public recipes, with how many carry each, most used first.",
    status: 200,
    response: schema.RecipeCategories,
    example: { categories: [{ name: 'research', count: 3 }, { name: 'writing', count: 1 }], total: 2 },
    errors: [],
    async handle({ run }) {
      const { recipeCategories } = await run(op.RecipeCategories, {});
      return { categories: recipeCategories, total: recipeCategories.length };
    },
  },
  {
    method: 'GET',
    path: `${BASE}/featured/list`,
    operationId: 'listFeaturedRecipes',
    summary: "The workspace's featured public recipes, most popular first.",
    status: 200,
    query: schema.FeaturedQuery,
    response: schema.RecipeList,
    example: { items: [{ ...example, is_featured: true }], total: 1, skip: 0, limit: 10 },
    errors: [400],
    async handle({ query, run }) {
      const limit = Number(query.limit ?? 10);
      const { recipes } = await run(op.ListRecipes, { first: limit, isFeatured: true, isPublic: true, sortBy: 'POPULARITY' });
      return { items: recipes.edges.map((edge) => shape.recipe(edge.node)), total: recipes.totalCount, skip: 0, limit };
    },
  },
  {
    method: 'GET',
    path: BASE,
    operationId: 'listRecipes',
    summary: "Lists the workspace's recipes (public ones unless is_public=false), offset-paged, sorted with a stable tie-breaker.",
    status: 200,
    query: schema.RecipeListQuery,
    response: schema.RecipeList,
    example: { items: [example], total: 1, skip: 0, limit: 50 },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const { recipes } = await run(op.ListRecipes, {
        first: limit,
        offset: skip,
        search: query.search as string | undefined,
        isFeatured: flag(query.is_featured),
        isPublic: flag(query.is_public) ?? true,
        sortBy: String(query.sort_by ?? 'popularity').toUpperCase() as RecipeSort,
      });
      return { items: recipes.edges.map((edge) => shape.recipe(edge.node)), total: recipes.totalCount, skip, limit };
    },
  },
  {
    method: 'POST',
    path: BASE,
    operationId: 'createRecipe',
    summary: 'Stores a recipe: every problem (fields, steps, templates, agents, configs) is named at once with its JSON path; a template_id already used → 409.',
    status: 201,
    body: schema.RecipeBody,
    response: schema.Recipe,
    example,
    errors: [400, 409],
    async handle({ body, run }) {
      return shape.recipe(failIfError((await run(op.CreateRecipe, { input: body })).createRecipe));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:recipe_id`,
    operationId: 'getRecipe',
    summary: 'One recipe by template_id (or rcp_… id), each step with its agent.',
    status: 200,
    response: schema.RecipeDetail,
    example: detailExample,
    errors: [404],
    async handle({ params, run }) {
      const found = await recipeByRef(run, params.recipe_id);
      return shape.recipeDetail(found, found.agents);
    },
  },
  {
    method: 'PUT',
    path: `${BASE}/:recipe_id`,
    operationId: 'updateRecipe',
    summary: 'Changes the given fields, then re-validates and recompiles the recipe; system recipes → 403.',
    status: 200,
    body: schema.RecipePatchBody,
    response: schema.Recipe,
    example,
    errors: [400, 403, 404],
    async handle({ params, body, run }) {
      return shape.recipe(failIfError((await run(op.UpdateRecipe, { id: params.recipe_id, patch: body })).updateRecipe));
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:recipe_id`,
    operationId: 'deleteRecipe',
    summary: 'Deletes a recipe; system recipes → 403.',
    status: 200,
    response: schema.Deleted,
    example: { success: true, message: 'Recipe research-brief deleted' },
    errors: [403, 404],
    async handle({ params, run }) {
      const deleted = failIfError((await run(op.DeleteRecipe, { id: params.recipe_id })).deleteRecipe);
      return { success: true, message: `Recipe ${deleted.templateId} deleted` };
    },
  },
  {
    method: 'POST',
    path: `${BASE}/:recipe_id/use`,
    operationId: 'useRecipe',
    summary: 'Counts a use: use_count + 1, last_used_at now.',
    status: 200,
    response: schema.Recipe,
    example: { ...example, use_count: 1, last_used_at: '2026-02-27T11:00:00.000Z' },
    errors: [404],
    async handle({ params, run }) {
      return shape.recipe(failIfError((await run(op.UseRecipe, { id: params.recipe_id })).useRecipe));
    },
  },
];
