import type { Plan } from '../compiler/plan.ts';
import { NotFoundError } from '../errors.ts';
import type { Execution, StepRun } from '../generated/prisma/client.ts';
import type { Run, RunStatus } from '../recipes/run.ts';
import type { Db, Tx } from '../store/db.ts';

/** Another recipe's or another tenant's execution is simply not this recipe's: 404, like a missing one. */
export const notThisRecipes = (executionId: string, templateId: string) =>
  new NotFoundError('Execution not found', `No execution with ID ${executionId} exists for recipe ${templateId} in this workspace`);

/** The recipe API's status of an execution (as its REST views show it). */
function statusOf(execution: Execution, steps: StepRun[]): RunStatus {
  if (execution.status === 'stopped') return 'cancelled';
  if (execution.status === 'budget_exhausted') return 'failed';
  if (execution.status === 'running' && steps.every((step) => step.startedAt == null && step.status === 'pending')) return 'pending';
  return execution.status as RunStatus;
}

/** The stored execution as assessment and learning read it; `now` ends a running one's duration. */
export function runOf(execution: Execution & { steps: StepRun[] }, recipe: { inputs: unknown; outputs: unknown }, now = new Date()): Run {
  const plan = execution.plan as unknown as Plan;
  const top = execution.steps.filter((step) => step.itemIndex === -1).sort((a, b) => a.position - b.position);
  return {
    status: statusOf(execution, top),
    error: execution.error,
    output: execution.status === 'completed' ? execution.output : null,
    durationMs: (execution.completedAt ?? now).getTime() - execution.createdAt.getTime(),
    totalTimeoutMs: plan.totalTimeoutMs ?? Number.POSITIVE_INFINITY,
    expectedSteps: plan.steps.length,
    steps: top
      .filter((step) => step.status !== 'pending')
      .map((step) => {
        const planned = plan.steps.find((s) => s.id === step.stepId);
        return {
          stepId: planned?.title ?? step.stepId,
          order: planned?.order ?? 0,
          agentId: step.agentId,
          status: step.status,
          output: step.output,
          error: step.error,
          retries: Math.max(0, step.attempt - 1),
          durationMs: step.startedAt && step.completedAt ? step.completedAt.getTime() - step.startedAt.getTime() : null,
          tokens: step.tokensIn + step.tokensOut,
          timeoutMs: planned?.timeoutMs ?? Number.POSITIVE_INFINITY,
        };
      }),
    outputs: isRecord(recipe.outputs) ? recipe.outputs : {},
    inputs: isRecord(recipe.inputs) ? recipe.inputs : {},
    givenInputs: isRecord(execution.inputs) ? execution.inputs : {},
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The recipe's execution with its steps, or a NotFoundError (another recipe's or tenant's included). */
export async function executionOfRecipe(db: Db | Tx, tenantId: string, recipe: { id: string; templateId: string }, executionId: string) {
  const execution = await db.execution.findFirst({ where: { id: executionId, tenantId, recipeId: recipe.id }, include: { steps: true } });
  if (!execution) throw notThisRecipes(executionId, recipe.templateId);
  return execution;
}

export const isFinished = (status: string) => status === 'completed' || status === 'failed' || status === 'stopped' || status === 'budget_exhausted';

/** The share of the recipe's finished executions that completed (stopped ones are not counted: a person ended them); 0 before any. */
export async function successRateOf(db: Db | Tx, tenantId: string, recipeId: string): Promise<number> {
  const rows = await db.execution.groupBy({ by: ['status'], where: { tenantId, recipeId, status: { in: ['completed', 'failed'] } }, _count: { _all: true } });
  const count = (status: string) => rows.find((row) => row.status === status)?._count._all ?? 0;
  const finished = count('completed') + count('failed');
  return finished === 0 ? 0 : Math.round((count('completed') / finished) * 10_000) / 10_000;
}
