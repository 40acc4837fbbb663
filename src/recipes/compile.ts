import { DEFAULT_MODELS, type ModelRegistry } from '../compiler/models.ts';
import { didYouMean } from '../compiler/notes.ts';
import type { Plan, PlanAgent, PlanStep } from '../compiler/plan.ts';
import { systemPrompt } from '../compiler/system-prompt.ts';
import { maxTurnsOf, modelOf, planAgent, DEFAULT_MAX_ITERATIONS, type StoredAgent } from './agent.ts';
import { readConfig, type ExecutionConfig } from './config.ts';
import { isRecord, read, text } from './fields.ts';
import { buildGraph, type Graph } from './graph.ts';
import { readInputs } from './inputs.ts';
import { outputOf } from './output.ts';
import { describe, field, Problems, ROOT, type RecipeProblem } from './problems.ts';
import { readSteps, type RecipeStep } from './steps.ts';
import { translatePrompt } from './templates.ts';

export interface RecipeCompileResult {
  valid: boolean;
  plan: Plan;
  problems: RecipeProblem[];
}

const emptyPlan = (): Plan => ({ name: '', description: '', inputs: [], agents: [], steps: [], output: '', outputMode: 'path', outputType: 'markdown', compilerNotes: [] });

/** The stored agent of each step, checked: it exists, is active, and names a model the registry knows. */
function agentsOf(steps: RecipeStep[], stored: StoredAgent[], models: ModelRegistry, problems: Problems): Map<string, { agent: StoredAgent; modelId: string }> {
  const byId = new Map<string, StoredAgent>();
  for (const agent of stored) if (!byId.has(agent.id)) byId.set(agent.id, agent);
  const usable = new Map<string, { agent: StoredAgent; modelId: string }>();
  const checked = new Set<string>();
  for (const step of steps) {
    if (step.agentId === undefined) continue;
    const path = field(step.path, 'agent_id');
    const agent = byId.get(step.agentId);
    if (!agent) {
      const named = stored.find((a) => a.name.toLowerCase() === step.agentId!.trim().toLowerCase());
      const hint = named ? ` \`${named.name}\` is the name of agent \`${named.id}\`; steps name agents by id.` : didYouMean(step.agentId, byId.keys());
      problems.add(path, 'UNKNOWN_AGENT', `No agent of this workspace has the id \`${step.agentId}\`.${hint}`);
      continue;
    }
    if (agent.status !== 'active') {
      problems.add(path, 'INACTIVE_AGENT', `Agent \`${agent.name}\` (\`${agent.id}\`) is inactive, and an inactive agent cannot run. Activate it or choose another agent.`);
      continue;
    }
    const { model, modelId } = modelOf(agent, models);
    if (modelId === undefined) {
      if (!checked.has(agent.id)) {
        const aliases = Object.keys(models);
        problems.add(path, 'UNKNOWN_MODEL', `Agent \`${agent.name}\` (\`${agent.id}\`) uses the model \`${model}\`, which is not a model alias (${aliases.join(', ')}) or a model id such as \`claude-sonnet-4-5\`.${didYouMean(model, aliases)}`);
      }
      checked.add(agent.id);
      continue;
    }
    usable.set(agent.id, { agent, modelId });
  }
  return usable;
}

function planStep(step: RecipeStep, prompt: string, graph: Graph, config: ExecutionConfig, agent: StoredAgent | undefined): PlanStep {
  const retry = step.errorHandling === 'retry';
  return {
    id: step.id,
    title: step.stepId ?? step.id,
    agent: step.agentId ?? '',
    prompt,
    dependsOn: graph.dependsOn.get(step)!.map((dep) => dep.id),
    approval: step.approval,
    condition: null,
    forEach: null,
    concurrency: null,
    retries: retry ? (step.maxRetries ?? config.maxRetries) : 0,
    retryDelayMs: config.retryDelayMs,
    timeoutMs: step.timeoutMs ?? config.timeoutMs,
    onError: retry ? 'retry' : step.errorHandling === 'stop' ? 'stop' : 'continue',
    onReject: 'fail',
    reviseStep: null,
    model: null,
    modelId: null,
    maxTurns: step.maxIterations ?? (agent ? maxTurnsOf(agent) : DEFAULT_MAX_ITERATIONS),
    outputFormat: 'markdown',
    outputSchema: null,
    ...(step.order === undefined ? {} : { order: step.order }),
  };
}

function build(recipe: unknown, stored: StoredAgent[], models: ModelRegistry, problems: Problems): Plan {
  if (!isRecord(recipe)) {
    problems.add(ROOT, 'INVALID_RECIPE', `A recipe is an object with name, steps, inputs and execution_config, not ${describe(recipe)}.`);
    return emptyPlan();
  }
  const source = { object: recipe, path: ROOT, problems };
  const name = text(source, 'name', true) ?? '';
  const description = text(source, 'description', false) ?? '';
  const inputs = readInputs(recipe, problems);
  const outputs = read(recipe, 'outputs');
  if (outputs !== undefined && !isRecord(outputs)) problems.add('outputs', 'INVALID_TYPE', `\`outputs\` must be an object, not ${describe(outputs)}.`);
  const config = readConfig(recipe, problems);
  const steps = readSteps(recipe, problems);
  const agents = agentsOf(steps, Array.isArray(stored) ? stored : [], models, problems);
  const graph = buildGraph(steps, config.mode, problems);
  const scope = { inputs, steps, graph, problems };

  const planSteps = graph.sequence.map((step) => planStep(step, translatePrompt(scope, step), graph, config, step.agentId === undefined ? undefined : agents.get(step.agentId)?.agent));
  const used = [...new Set(planSteps.map((step) => step.agent))].flatMap((id) => (id && agents.has(id) ? [agents.get(id)!] : []));
  const workflow = { name, description };
  const planAgents: PlanAgent[] = used.map(({ agent, modelId }) => planAgent(agent, modelId, systemPrompt(agent, workflow, used.map((u) => u.agent), planSteps)));
  return {
    ...workflow,
    inputs,
    agents: planAgents,
    steps: planSteps,
    ...outputOf(graph, config.mode),
    compilerNotes: [],
    maxParallel: config.mode === 'parallel' ? config.parallelLimit : null,
    totalTimeoutMs: config.totalTimeoutMs,
  };
}

/**
 * Recipe JSON → execution plan, with every problem at once (docs/recipes.md). Pure, and total:
 * it never throws; a failure of the compiler itself becomes an INTERNAL_ERROR problem.
 */
export function compileRecipe(recipe: unknown, agents: StoredAgent[], models: ModelRegistry = DEFAULT_MODELS): RecipeCompileResult {
  const problems = new Problems();
  let plan: Plan;
  try {
    plan = build(recipe, agents, models, problems);
  } catch (error) {
    problems.add(ROOT, 'INTERNAL_ERROR', `The recipe compiler failed on this recipe (${error instanceof Error ? error.message : String(error)}); please report it with the recipe.`);
    plan = emptyPlan();
  }
  return { valid: problems.list.length === 0, plan, problems: problems.list };
}
