import type { z } from 'zod';
import type { ApiAgentFragment, ApiRecipeFragment } from '../../src/generated/graphql/graphql.ts';
import type * as schema from './schemas.ts';

// GraphQL objects → the product's snake_case JSON.

export const agent = (a: ApiAgentFragment): z.infer<typeof schema.Agent> => ({
  id: a.id,
  name: a.name,
  description: a.description,
  model: a.model,
  system_prompt: a.systemPrompt ?? null,
  tools: a.tools,
  max_iterations: a.maxIterations,
  status: a.status.toLowerCase() as Lowercase<typeof a.status>,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

/** A REST body's snake_case fields as the GraphQL input's (absent stays absent). */
export const agentInput = (body: Partial<z.infer<typeof schema.AgentBody>>) =>
  Object.fromEntries(
    Object.entries({
      name: body.name,
      description: body.description,
      model: body.model,
      systemPrompt: body.system_prompt,
      tools: body.tools,
      maxIterations: body.max_iterations,
      status: body.status?.toUpperCase(),
    }).filter(([, value]) => value !== undefined),
  );

type Recipe = z.infer<typeof schema.Recipe>;

/** A recipe in the product's JSON (its `to_dict`). */
export const recipe = (r: ApiRecipeFragment): Recipe => ({
  id: r.id,
  template_id: r.templateId,
  name: r.name,
  description: r.description,
  tags: r.tags,
  template_definition: r.templateDefinition as Recipe['template_definition'],
  steps: r.steps as Recipe['steps'],
  inputs: r.inputs as Recipe['inputs'],
  outputs: r.outputs as Recipe['outputs'],
  execution_config: r.executionConfig as Recipe['execution_config'],
  schedule_config: (r.scheduleConfig ?? null) as Recipe['schedule_config'],
  recommended_agents: r.recommendedAgents as Recipe['recommended_agents'],
  required_tools: r.requiredTools,
  quality_score: r.qualityScore,
  learning_data: (r.learningData ?? null) as Recipe['learning_data'],
  use_count: r.useCount,
  success_rate: r.successRate,
  popularity: r.popularity,
  average_rating: r.averageRating,
  install_count: r.installCount,
  is_public: r.isPublic,
  is_featured: r.isFeatured,
  is_system: r.isSystem,
  is_approved: r.isApproved,
  preview_image: r.previewImage,
  documentation_url: r.documentationUrl,
  version: r.version,
  changelog: r.changelog as Recipe['changelog'],
  owner_type: r.ownerType,
  cloned_from_id: r.clonedFromId,
  created_by: r.createdBy,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  last_used_at: r.lastUsedAt,
  is_marketplace_item: r.isMarketplaceItem,
});

type StepAgentSource = { id: string; name: string; model: string; provider: string; tools: string[]; status: string };

/** The recipe with each step's agent (the product's `_enrich_steps_with_agents`), null for an agent the workspace no longer has. */
export const recipeDetail = (r: ApiRecipeFragment, agents: StepAgentSource[]): z.infer<typeof schema.RecipeDetail> => {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const stepAgent = (id: unknown): z.infer<typeof schema.StepAgent> | null => {
    const a = typeof id === 'string' ? byId.get(id) : undefined;
    return a
      ? { id: a.id, name: a.name, model: a.model, provider: a.provider as 'anthropic' | 'offline', tool_count: a.tools.length, status: a.status.toLowerCase() as 'active' | 'inactive' }
      : null;
  };
  const shaped = recipe(r);
  return { ...shaped, steps: shaped.steps.map((step) => ({ ...step, agent: stepAgent(step.agent_id) })) };
};
