import { z } from 'zod';
import { queryInteger } from '../input.ts';

// The second product document's JSON (spec/recipes-api.md). Agents are not in the document, but its
// clients need them (§1): snake_case like the rest of it, lists offset-paged `{items, total, skip, limit}`.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const AGENT_STATUSES = ['active', 'inactive'] as const;

export const Agent = z.object({
  id: z.string().describe('agent_…'),
  name: z.string(),
  description: z.string().describe("The agent's role"),
  model: z.string().describe('An alias (sonnet, haiku, opus, …) or a model id, as written'),
  system_prompt: z.string().nullable().describe('null: built from name and description'),
  tools: z.array(z.string()).describe('Tool server aliases'),
  max_iterations: z.number().int().describe('Tool-use turns at most'),
  status: z.enum(AGENT_STATUSES).describe('An inactive agent cannot run'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const AgentList = z.object({ items: z.array(Agent), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

// Request bodies are strict: a field the API does not know is named in a 400, not dropped silently.
export const AgentBody = z.strictObject({
  name: z.string(),
  description: z.string(),
  model: z.string(),
  system_prompt: z.string().nullish(),
  tools: z.array(z.string()).nullish(),
  max_iterations: z.number().int().nullish(),
  status: z.enum(AGENT_STATUSES).nullish(),
});

export const AgentPatchBody = AgentBody.partial();


export const AgentListQuery = z.object({
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
  search: z.string().optional().describe('Matches name and description, case-insensitively'),
});

/** What a DELETE of the product answers (the document's recipe DELETE: `{success, message}`). */
export const Deleted = z.object({ success: z.literal(true), message: z.string() });

// Recipes (spec §2–3): the recipe's JSON as the product writes it. Steps, inputs and configs stay
// free-form objects here: the recipe compiler checks them and names each problem by its JSON path.

const RECIPE_SORTS = ['popularity', 'created_at', 'use_count', 'average_rating', 'name'] as const;
const object = z.record(z.string(), z.unknown());
const RecipeInputs = z.union([object, z.array(object)]).describe('{name: description | {type, required, description, default, enum}}, or a list of specs each with a name');
const RecipeSteps = z.array(object).describe('[{step_id, order, agent_id, prompt_template, error_handling?, max_retries?, output_key?, max_iterations?, depends_on?, timeout?}] (docs/recipes.md)');
const ExecutionConfig = object.describe('{mode: sequential | parallel, max_retries, timeout_per_step, total_timeout, parallel_limit?, retry_delay?, auto_learning}: seconds (values ≥ 10000 are milliseconds)');
const ScheduleConfig = object.describe('{type: manual | cron | trigger | webhook, cron_expression?, timezone?, trigger_config?, webhook_id?, webhook_secret? (write-only: stored encrypted, never returned), webhook_signed (true when there is one)}');

const recipeFields = {
  template_id: z.string().describe('The slug clients address the recipe by; unique in the workspace'),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  template_definition: object,
  steps: RecipeSteps,
  inputs: RecipeInputs,
  outputs: object,
  execution_config: ExecutionConfig,
  schedule_config: ScheduleConfig.nullable().describe('null: run by hand only'),
  recommended_agents: z.array(z.unknown()),
  required_tools: z.array(z.string()),
  is_public: z.boolean(),
  is_featured: z.boolean(),
  preview_image: z.string().nullable(),
  documentation_url: z.string().nullable(),
  version: z.string(),
  changelog: z.array(z.unknown()),
};

export const Recipe = z.object({
  id: z.string().describe('rcp_…; clients address recipes by template_id, and this works too'),
  ...recipeFields,
  quality_score: z.number().nullable().describe('null until assessed'),
  learning_data: object.nullable().describe('null until learned'),
  use_count: z.number().int(),
  success_rate: z.number(),
  popularity: z.number(),
  average_rating: z.number(),
  install_count: z.number().int(),
  is_system: z.boolean().describe('Shipped with Baton: neither updated nor deleted through the API'),
  is_approved: z.boolean(),
  owner_type: z.string(),
  cloned_from_id: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  last_used_at: timestamp.nullable(),
  is_marketplace_item: z.boolean(),
});

export const StepAgent = z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  provider: z.enum(['anthropic', 'offline']),
  tool_count: z.number().int(),
  status: z.enum(AGENT_STATUSES),
});

export const RecipeDetail = Recipe.extend({
  steps: z.array(z.looseObject({ agent: StepAgent.nullable().describe("The step's agent; null when the workspace has no agent with its agent_id") })),
});

export const RecipeList = z.object({ items: z.array(Recipe), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const RecipeCategories = z.object({
  categories: z.array(z.object({ name: z.string().describe('A tag'), count: z.number().int().describe('How many public recipes carry it') })),
  total: z.number().int().describe('How many tags'),
});

/** null sets a field to its default (nullable fields: to null). */
export const RecipeBody = z.strictObject({
  template_id: recipeFields.template_id,
  name: z.string(),
  steps: RecipeSteps,
  description: recipeFields.description.nullish(),
  tags: recipeFields.tags.nullish(),
  template_definition: recipeFields.template_definition.nullish(),
  inputs: recipeFields.inputs.nullish(),
  outputs: recipeFields.outputs.nullish(),
  execution_config: recipeFields.execution_config.nullish(),
  schedule_config: recipeFields.schedule_config.optional(),
  recommended_agents: recipeFields.recommended_agents.nullish(),
  required_tools: recipeFields.required_tools.nullish(),
  is_public: recipeFields.is_public.nullish(),
  is_featured: recipeFields.is_featured.nullish(),
  preview_image: recipeFields.preview_image.optional(),
  documentation_url: recipeFields.documentation_url.optional(),
  version: recipeFields.version.nullish(),
  changelog: recipeFields.changelog.nullish(),
});

export const RecipePatchBody = RecipeBody.omit({ template_id: true }).partial();

const flag = (name: string) => z.enum(['true', 'false'], { error: 'must be true or false' }).optional().describe(name);
export const RecipeListQuery = z.object({
  is_featured: flag('Only featured (true) or only not featured (false) recipes'),
  is_public: flag('Public (true, the default) or private (false) recipes'),
  search: z.string().optional().describe('Matches name and description, case-insensitively'),
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
  sort_by: z.enum(RECIPE_SORTS, { error: `must be one of ${RECIPE_SORTS.join(', ')}` }).optional().describe('popularity (default), created_at, use_count, average_rating (each highest first) or name (A–Z); ties by id'),
});

export const FeaturedQuery = z.object({ limit: queryInteger(1, 50).optional().describe('How many to return (default 10)') });
