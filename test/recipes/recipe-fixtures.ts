import { readdirSync, readFileSync } from 'node:fs';

/** What POST /api/agents takes. */
export interface AgentBody {
  name: string;
  description: string;
  model: string;
  system_prompt?: string;
  tools?: string[];
  max_iterations?: number;
}

/**
 * A recipe in test/fixtures/recipes: the agents it needs (by a key of the fixture's own), the recipe
 * as POST /api/workflow-recipes takes it, except that each step's `agent_id` is one of those keys
 * (agent ids are generated when the agents are created), and inputs to run it with.
 */
export interface RecipeFixture {
  /** The file's name without `.json`; also the recipe's template_id. */
  name: string;
  about: string;
  agents: Record<string, AgentBody>;
  recipe: Record<string, unknown> & { template_id: string; steps: Record<string, unknown>[] };
  inputs: Record<string, unknown>;
}

const dir = new URL('../fixtures/recipes/', import.meta.url);

export function loadRecipeFixtures(): RecipeFixture[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.slice(0, -'.json'.length), ...(JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Omit<RecipeFixture, 'name'>) }));
}

/** The fixture's recipe with each step's agent key replaced by the id that agent got; an unknown key throws. */
export function withAgentIds(fixture: RecipeFixture, ids: Record<string, string>): RecipeFixture['recipe'] {
  return {
    ...fixture.recipe,
    steps: fixture.recipe.steps.map((step) => {
      const id = ids[String(step.agent_id)];
      if (id === undefined) throw new Error(`${fixture.name}: step ${String(step.step_id)} names agent ${String(step.agent_id)}, which is not one of its agents (${Object.keys(ids).join(', ')})`);
      return { ...step, agent_id: id };
    }),
  };
}
