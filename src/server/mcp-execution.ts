import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Plan } from '../compiler/plan.ts';
import { executionNotFound } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { WaitEnd } from './mcp-wait.ts';

/** An execution as MCP tools return it (snake_case, like the recipe API). */
export interface ExecutionView {
  execution_id: string;
  name: string;
  workflow_id: string | null;
  recipe_id: string | null;
  status: string;
  inputs: unknown;
  output: string | null;
  error: string | null;
  steps_completed: number;
  steps_total: number;
  started_at: string;
  completed_at: string | null;
  /** Steps a person must approve or reject (approve_step) before the execution goes on. */
  awaiting_approval: { step_id: string; title: string; instruction: string }[];
  steps: { step_id: string; title: string; status: string; output: string | null; error: string | null; approval: unknown }[];
}

/**
 * The tenant's execution with its steps (For each items are part of their step), and the sequence
 * number of its last event, which this state includes; NotFound for anyone else's.
 */
export async function loadExecution(db: Db, tenantId: string, executionId: string): Promise<{ view: ExecutionView; lastSeq: number }> {
  const execution = await db.execution.findFirst({
    where: { id: executionId, tenantId },
    include: { steps: { where: { itemIndex: -1 }, orderBy: { position: 'asc' } } },
  });
  if (!execution) throw executionNotFound(executionId);
  const planSteps = new Map((execution.plan as unknown as Plan).steps.map((step) => [step.id, step]));
  const steps = execution.steps.map((run) => ({
    step_id: run.stepId,
    title: planSteps.get(run.stepId)?.title ?? run.stepId,
    status: run.status,
    output: run.output,
    error: run.error,
    approval: run.approval ?? null,
  }));
  const view: ExecutionView = {
    execution_id: execution.id,
    name: execution.workflowName,
    workflow_id: execution.workflowId,
    recipe_id: execution.recipeId,
    status: execution.status,
    inputs: execution.inputs,
    output: execution.output,
    error: execution.error,
    steps_completed: execution.stepsCompleted,
    steps_total: execution.stepsTotal,
    started_at: execution.createdAt.toISOString(),
    completed_at: execution.completedAt?.toISOString() ?? null,
    awaiting_approval: steps
      .filter((step) => step.status === 'awaiting_approval')
      .map((step) => ({ step_id: step.step_id, title: step.title, instruction: planSteps.get(step.step_id)?.prompt ?? '' })),
    steps,
  };
  return { view, lastSeq: execution.lastSeq };
}

const STATUSES = ['running', 'awaiting_approval', 'completed', 'failed', 'stopped', 'budget_exhausted'];

/** What run tools return as structured content. */
export const runOutputSchema = {
  type: 'object' as const,
  properties: {
    execution_id: { type: 'string' },
    status: { type: 'string', enum: STATUSES },
    output: { type: ['string', 'null'], description: "The execution's output once it has completed." },
  },
  required: ['execution_id', 'status', 'output'],
};

/** What get_execution, approve_step and stop_execution return as structured content. */
export const executionOutputSchema = {
  type: 'object' as const,
  properties: {
    ...runOutputSchema.properties,
    error: { type: ['string', 'null'] },
    steps_completed: { type: 'integer' },
    steps_total: { type: 'integer' },
    awaiting_approval: { type: 'array', items: { type: 'object' } },
    steps: { type: 'array', items: { type: 'object' } },
  },
  required: ['execution_id', 'status', 'output', 'steps'],
};

const awaiting = (view: ExecutionView) =>
  view.awaiting_approval.map((step) => `- ${step.step_id} ("${step.title}"): ${step.instruction.slice(0, 500)}`).join('\n');

/** A finished execution's output, or where it stands and what to do next. */
export function runResult(view: ExecutionView, end: WaitEnd, waitedSeconds: number): CallToolResult {
  const id = view.execution_id;
  const structuredContent = { execution_id: id, status: view.status, output: view.status === 'completed' ? view.output ?? '' : null };
  const answer = (text: string, isError = false): CallToolResult => ({ content: [{ type: 'text', text }], structuredContent, ...(isError ? { isError } : {}) });
  switch (view.status) {
    case 'completed':
      return answer(view.output ?? '');
    case 'failed':
      return answer(`Execution ${id} failed: ${view.error ?? 'no reason recorded'}`, true);
    case 'stopped':
      return answer(`Execution ${id} was stopped before it finished.`, true);
    case 'budget_exhausted':
      return answer(`Execution ${id} ended before it finished: ${view.error}. Its finished steps are kept; retry_execution… is not an MCP tool, so use retryExecution over GraphQL with a larger budget.`, true);
    case 'awaiting_approval':
      return {
        ...answer(`Execution ${id} is waiting for a person to approve:\n${awaiting(view)}\nApprove or reject with approve_step, then call get_execution with wait_seconds for the output.`),
        structuredContent: { ...structuredContent, awaiting_approval: view.awaiting_approval },
      };
    default: {
      const why = end === 'timeout' ? ` after ${waitedSeconds} s of waiting` : end === 'shutdown' ? ' while this Baton server stops' : '';
      return answer(`Execution ${id} is still running${why} (${view.steps_completed} of ${view.steps_total} steps done). Call get_execution with execution_id "${id}" and wait_seconds for the output.`);
    }
  }
}

/** An execution's full state as a tool result. */
export function executionResult(view: ExecutionView): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(view, null, 2) }], structuredContent: view as unknown as Record<string, unknown> };
}
