import type { z } from 'zod';
import type { ApiRecipeExecutionFragment, ExecutionStatus } from '../../src/generated/graphql/graphql.ts';
import type * as schema from './execution-schemas.ts';
import { FAILED_STATUSES, readsAsFailed } from '../budget-stop.ts';

// Baton's executions → the recipe API's views of them (spec recipes-api.md §3).

type Execution = ApiRecipeExecutionFragment;
type Run = Execution['steps'][number];
type Status = z.infer<typeof schema.RecipeExecution>['status'];

/** The recipe API's status: a running execution where no step has started yet is `pending`; stopped is `cancelled`. */
function statusOf(e: Execution): Status {
  if (e.status === 'STOPPED') return 'cancelled';
  if (readsAsFailed(e.status)) return 'failed';
  if (e.status === 'RUNNING' && e.steps.every((run) => run.startedAt == null && run.status === 'PENDING')) return 'pending';
  return e.status.toLowerCase() as Status;
}

/** The recipe API's status filter as the GraphQL `executions` arguments (`failed` as `statusOf` shows it). */
export function statusFilter(status: string | undefined): { statuses?: ExecutionStatus[]; started?: boolean } {
  if (status === undefined) return {};
  if (status === 'pending' || status === 'running') return { statuses: ['RUNNING'], started: status === 'running' };
  if (status === 'failed') return { statuses: FAILED_STATUSES };
  return { statuses: [(status === 'cancelled' ? 'STOPPED' : status.toUpperCase()) as ExecutionStatus] };
}

const tokensOf = (run: Run) => run.tokens.input + run.tokens.output;
const durationOf = (e: Execution) => (e.completedAt ? Date.parse(e.completedAt) - Date.parse(e.startedAt) : null);

/** A step's plan entry (its recipe step_id and order) and agent, as the execution copied them. */
function describeStep(e: Execution, run: Run) {
  const step = e.plan.steps.find((s) => s.id === run.stepId);
  const agent = e.plan.agents.find((a) => a.id === (step?.agent ?? run.agentId));
  return { stepId: step?.title ?? run.stepId, order: step?.order ?? 0, agent };
}

const toolCalls = (run: Run): z.infer<typeof schema.ToolCall>[] =>
  run.toolCalls.map((call) => ({ action: call.name, params: call.input, result: call.output ?? null, duration_ms: call.durationMs ?? null, is_error: call.isError }));

/**
 * A step has started once an attempt of it has (one waiting between attempts, for a retry's delay
 * or after a worker's loss, is pending again), or when it was skipped; a step of a finished
 * execution that never started is stopped.
 */
const hasStarted = (run: Run) => run.startedAt != null || (run.status !== 'PENDING' && run.status !== 'STOPPED');

function stepStatus(run: Run): z.infer<typeof schema.StepResult>['status'] {
  if (run.status === 'STOPPED') return 'cancelled';
  // Between attempts the step is still under way: its retries and last error say why it waits.
  if (run.status === 'PENDING') return 'running';
  return run.status.toLowerCase() as z.infer<typeof schema.StepResult>['status'];
}

function stepResult(e: Execution, run: Run): z.infer<typeof schema.StepResult> {
  const { stepId, order, agent } = describeStep(e, run);
  return {
    step_id: stepId,
    order,
    agent_id: run.agentId ?? null,
    agent_name: agent?.name ?? null,
    status: stepStatus(run),
    output: run.output ?? null,
    tool_calls: toolCalls(run),
    duration_ms: run.durationMs ?? null,
    tokens_used: tokensOf(run),
    started_at: run.startedAt ?? null,
    completed_at: run.completedAt ?? null,
    error: run.error ?? null,
    retries: Math.max(0, run.attempts - 1),
  };
}

/** The step running (or awaiting a person) now, else the last finished one: its order; 0 before any. */
function currentStep(e: Execution, results: z.infer<typeof schema.StepResult>[]): number {
  const active = results.find((result) => result.status === 'running' || result.status === 'awaiting_approval');
  return (active ?? results.at(-1))?.order ?? 0;
}

export function recipeExecution(e: Execution): z.infer<typeof schema.RecipeExecution> {
  const results = e.steps.filter(hasStarted).map((run) => stepResult(e, run));
  const duration = durationOf(e);
  return {
    execution_id: e.id,
    recipe_id: String((e.metadata as { template_id?: string }).template_id ?? e.recipeId),
    recipe_name: e.workflowName,
    status: statusOf(e),
    current_step: currentStep(e, results),
    total_steps: e.stepsTotal,
    step_results: results,
    input_data: e.inputs as Record<string, unknown>,
    output_data:
      e.status === 'COMPLETED'
        ? { final_output: e.output ?? '', total_duration_ms: duration ?? 0, total_tokens: e.steps.reduce((sum, run) => sum + tokensOf(run), 0), steps_completed: e.stepsCompleted }
        : null,
    error_message: e.error ?? null,
    started_at: e.startedAt,
    completed_at: e.completedAt ?? null,
    triggered_by: e.triggeredBy,
    execution_metadata: e.metadata as Record<string, unknown>,
    total_duration_ms: duration,
  };
}

/** What the step's model was sent and answered, rebuilt from the stored record: system prompt, prompt, each tool call and its result, output. */
function messagesOf(system: string | undefined, run: Run): z.infer<typeof schema.LogMessage>[] {
  const messages: z.infer<typeof schema.LogMessage>[] = [];
  if (system) messages.push({ role: 'system', content: system });
  if (run.prompt != null) messages.push({ role: 'user', content: run.prompt });
  run.toolCalls.forEach((call, index) => {
    const id = `call_${index + 1}`;
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: call.name, input: call.input }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: call.output ?? null }] });
  });
  if (run.output != null) messages.push({ role: 'assistant', content: run.output });
  return messages;
}

/** The step of this order (the first in plan order when several share it), or undefined. */
export function stepOfOrder(e: Execution, order: number): Run | undefined {
  return e.steps.find((run) => run.itemIndex == null && describeStep(e, run).order === order);
}

export function stepLog(e: Execution, run: Run, logUrl: string): z.infer<typeof schema.StepLog> {
  const { stepId, order, agent } = describeStep(e, run);
  return {
    step_order: order,
    execution_id: e.id,
    log_url: logUrl,
    log_data: {
      step_id: stepId,
      order,
      agent_id: run.agentId ?? null,
      agent_name: agent?.name ?? null,
      agent_output: run.output ?? null,
      tool_calls: toolCalls(run),
      messages: messagesOf(agent?.systemPrompt, run),
      tokens_used: tokensOf(run),
      duration_ms: run.durationMs ?? null,
    },
  };
}
