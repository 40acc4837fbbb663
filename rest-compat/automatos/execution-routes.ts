import type { BudgetInput } from '../../src/generated/graphql/graphql.ts';
import type { z } from 'zod';
import { failIfError, RestError } from '../graphql.ts';
import { found, type Call, type RestRoute } from '../route.ts';
import * as op from './execution-operations.ts';
import * as schema from './execution-schemas.ts';
import * as shape from './execution-shapes.ts';
import { recipeByRef } from './recipe-routes.ts';

const BASE = '/api/workflow-recipes/:recipe_id';
const EXECUTION = `${BASE}/executions/:execution_id`;

const example: z.infer<typeof schema.RecipeExecution> = {
  execution_id: 'exec_0h3bq9c2m1x8v7k4l5p6n2r1t',
  recipe_id: 'research-brief',
  recipe_name: 'Research brief',
  status: 'completed',
  current_step: 2,
  total_steps: 2,
  step_results: [
    {
      step_id: 'research', order: 1, agent_id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', agent_name: 'Researcher', status: 'completed', output: 'Three sources agree that…',
      tool_calls: [{ action: 'web__search', params: { query: 'solid-state batteries 2026' }, result: { hits: 12 }, duration_ms: 412, is_error: false }],
      duration_ms: 8200, tokens_used: 2140, started_at: '2026-02-27T10:30:00.000Z', completed_at: '2026-02-27T10:30:08.200Z', error: null, retries: 0,
    },
    {
      step_id: 'write', order: 2, agent_id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', agent_name: 'Writer', status: 'completed', output: '# Solid-state batteries\n…',
      tool_calls: [], duration_ms: 6100, tokens_used: 1830, started_at: '2026-02-27T10:30:08.210Z', completed_at: '2026-02-27T10:30:14.310Z', error: null, retries: 0,
    },
  ],
  input_data: { topic: 'solid-state batteries' },
  output_data: { final_output: '# Solid-state batteries\n…', total_duration_ms: 14310, total_tokens: 3970, steps_completed: 2 },
  error_message: null,
  started_at: '2026-02-27T10:30:00.000Z',
  completed_at: '2026-02-27T10:30:14.310Z',
  triggered_by: 'manual',
  execution_metadata: { template_id: 'research-brief', recipe_version: '1.0', execution_config: { mode: 'sequential' } },
  total_duration_ms: 14310,
};

/** The execution, when it is one of this recipe's (another's, or another tenant's, is a 404 like a missing one). */
async function executionOf(run: Call['run'], recipeId: string, executionId: string) {
  const { execution } = await run(op.RecipeExecution, { id: executionId });
  return found(execution?.recipeId === recipeId ? execution : null, 'Execution', executionId);
}

export const executionRoutes = (): RestRoute[] => [
  {
    method: 'POST',
    path: `${BASE}/execute`,
    operationId: 'executeRecipe',
    summary:
      'Starts an execution of the recipe with its agents as they are now. Inputs are checked against the recipe\'s (defaults filled; a missing required input or an unknown one → 400); an agent that can no longer run → 409. Counts a use.',
    status: 202,
    body: schema.ExecuteBody,
    response: schema.ExecuteStarted,
    example: { recipe_execution_id: example.execution_id, recipe_id: 'research-brief', status: 'started', total_steps: 2, message: 'Recipe research-brief started with 2 steps' },
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      const recipe = await recipeByRef(run, params.recipe_id);
      const started = failIfError((await run(op.RunRecipe, { id: recipe.id, inputs: body.input_data ?? {}, budget: body.budget as BudgetInput | null | undefined })).runRecipe);
      return {
        recipe_execution_id: started.id,
        recipe_id: recipe.templateId,
        status: 'started',
        total_steps: started.stepsTotal,
        message: `Recipe ${recipe.templateId} started with ${started.stepsTotal} step${started.stepsTotal === 1 ? '' : 's'}`,
      };
    },
  },
  {
    method: 'GET',
    path: `${BASE}/executions`,
    operationId: 'listRecipeExecutions',
    summary: "The recipe's executions, newest first, offset-paged, each with its full step results.",
    status: 200,
    query: schema.RecipeExecutionQuery,
    response: schema.RecipeExecutionList,
    example: { items: [example], total: 1, skip: 0, limit: 20, recipe_id: 'research-brief', recipe_quality_score: null },
    errors: [400, 404],
    async handle({ params, query, run }) {
      const recipe = await recipeByRef(run, params.recipe_id);
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 20);
      const { executions } = await run(op.RecipeExecutions, { recipeId: recipe.id, first: limit, offset: skip, ...shape.statusFilter(query.status as string | undefined) });
      return { items: executions.edges.map((edge) => shape.recipeExecution(edge.node)), total: executions.totalCount, skip, limit, recipe_id: recipe.templateId, recipe_quality_score: recipe.qualityScore ?? null };
    },
  },
  {
    method: 'GET',
    path: EXECUTION,
    operationId: 'getRecipeExecution',
    summary: 'One execution of the recipe: status, every step\'s full result, inputs and output.',
    status: 200,
    response: schema.RecipeExecution,
    example,
    errors: [404],
    async handle({ params, run }) {
      const recipe = await recipeByRef(run, params.recipe_id);
      return shape.recipeExecution(await executionOf(run, recipe.id, params.execution_id));
    },
  },
  {
    method: 'POST',
    path: `${EXECUTION}/cancel`,
    operationId: 'cancelRecipeExecution',
    summary: 'Stops the execution like DELETE /executions/{id}: queued steps never start, running model calls are aborted; 409 when it has finished.',
    status: 200,
    response: schema.RecipeExecution,
    example: { ...example, status: 'cancelled', output_data: null },
    errors: [404, 409],
    async handle({ params, run }) {
      const recipe = await recipeByRef(run, params.recipe_id);
      const execution = await executionOf(run, recipe.id, params.execution_id);
      return shape.recipeExecution(failIfError((await run(op.StopRecipeExecution, { id: execution.id })).stopExecution));
    },
  },
  {
    method: 'GET',
    path: `${EXECUTION}/steps/:step_order/logs`,
    operationId: 'getRecipeStepLogs',
    summary: "A step's full record, by its order (the first in plan order when several share one): what its model was sent and answered, tool calls with arguments and results, tokens, duration.",
    status: 200,
    response: schema.StepLog,
    example: {
      step_order: 1,
      execution_id: example.execution_id,
      log_url: `https://baton.example.com/api/workflow-recipes/research-brief/executions/${example.execution_id}/steps/1/logs`,
      log_data: {
        step_id: 'research', order: 1, agent_id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', agent_name: 'Researcher', agent_output: 'Three sources agree that…',
        tool_calls: [], messages: [{ role: 'system', content: 'You are Researcher…' }, { role: 'user', content: 'Research solid-state batteries.' }, { role: 'assistant', content: 'Three sources agree that…' }],
        tokens_used: 2140, duration_ms: 8200,
      },
    },
    errors: [400, 404],
    async handle({ params, run, publicUrl }) {
      const order = Number(params.step_order);
      if (params.step_order.trim() === '' || !Number.isFinite(order)) throw new RestError(400, 'Bad request', `step_order must be a step's order (a number), got ${JSON.stringify(params.step_order)}`);
      const recipe = await recipeByRef(run, params.recipe_id);
      const execution = await executionOf(run, recipe.id, params.execution_id);
      const step = shape.stepOfOrder(execution, order);
      if (!step) throw new RestError(404, 'Step not found', `Execution ${execution.id} has no step with order ${order}; its orders are ${[...new Set(execution.plan.steps.map((s) => s.order))].join(', ')}`);
      const path = `/api/workflow-recipes/${encodeURIComponent(recipe.templateId)}/executions/${execution.id}/steps/${order}/logs`;
      return shape.stepLog(execution, step, `${publicUrl}${path}`);
    },
  },
];
