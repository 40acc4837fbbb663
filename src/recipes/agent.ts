import { DEFAULT_ALIAS, resolveModel, type ModelRegistry } from '../compiler/models.ts';
import type { PlanAgent } from '../compiler/plan.ts';

/** An agent stored in the workspace (spec §1), as the library hands it to the recipe compiler. */
export interface StoredAgent {
  id: string;
  name: string;
  /** The agent's role. */
  description: string;
  /** An alias (`sonnet`) or a model id, resolved like `Model:` in markdown; empty: the default model. */
  model: string;
  /** null or blank: built from name and description, as for markdown agents. */
  systemPrompt: string | null;
  /** Tool server aliases, as `Tools:` in markdown. */
  tools: string[];
  /** Tool-use turns per step. */
  maxIterations: number;
  status: 'active' | 'inactive';
}

/** Steps get the agent's `max_iterations` unless they set their own; this when the agent's is unusable. */
export const DEFAULT_MAX_ITERATIONS = 25;
/** What markdown agents get without `Max tokens`. */
const DEFAULT_MAX_TOKENS = 4096;

/** The model an agent names, as written and resolved; modelId undefined when the registry knows no such model. */
export function modelOf(agent: StoredAgent, models: ModelRegistry): { model: string; modelId: string | undefined } {
  const written = typeof agent.model === 'string' && agent.model.trim() ? agent.model.trim() : DEFAULT_ALIAS;
  return { model: written, modelId: resolveModel(models, written) };
}

export const maxTurnsOf = (agent: StoredAgent) => (Number.isInteger(agent.maxIterations) && agent.maxIterations >= 1 ? Math.min(agent.maxIterations, 100) : DEFAULT_MAX_ITERATIONS);

/**
 * A copy of the stored agent for the plan, so that editing the agent later never changes an
 * execution that already started. The system prompt is the stored one, or `fallback` (built
 * from the workflow, which the caller knows) when there is none.
 */
export function planAgent(agent: StoredAgent, modelId: string, fallback: string): PlanAgent {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description ?? '',
    model: modelOf(agent, {}).model,
    modelId,
    tools: Array.isArray(agent.tools) ? agent.tools.filter((tool): tool is string => typeof tool === 'string') : [],
    temperature: null,
    maxTokens: DEFAULT_MAX_TOKENS,
    systemPrompt: typeof agent.systemPrompt === 'string' && agent.systemPrompt.trim() ? agent.systemPrompt : fallback,
  };
}
