import type { Plan } from '../compiler/plan.ts';
import { ConflictError, executionNotFound, NotFoundError, ValidationError } from '../errors.ts';
import { applyDecisions, halt, jsonb, updateStep } from './advance.ts';
import { downstream } from './fork-plan.ts';
import { appendEvent, isLive, lockExecution, transaction, type EngineDeps, type Sql } from './transaction.ts';

/** The tenant's execution, locked; NotFound for anyone else's. */
export async function lockOwn(sql: Sql, tenantId: string, executionId: string) {
  const execution = await lockExecution(sql, executionId);
  if (!execution || execution.tenantId !== tenantId) {
    throw executionNotFound(executionId);
  }
  return execution;
}

/**
 * A person's decision on a step awaiting approval (spec §5.2). Approving completes it (a
 * checkpoint's output is the reason); rejecting fails the execution, or with `On reject: revise`
 * runs the named step again with the reason as feedback and asks again. Returns the execution id.
 */
export async function decideApproval(deps: EngineDeps, tenantId: string, executionId: string, stepId: string, approved: boolean, reason: string | null): Promise<string> {
  return transaction(deps, async (sql, changes) => {
    const execution = await lockOwn(sql, tenantId, executionId);
    const plan = execution.plan as Plan;
    const step = plan.steps.find((s) => s.id === stepId);
    if (!step) throw new NotFoundError('Step not found', `Execution ${executionId} has no step ${stepId}`);
    const [row] = await sql.query<{ status: string }>(`SELECT status FROM step_runs WHERE execution_id = $1 AND step_id = $2 AND item_index = -1`, [executionId, stepId]);
    if (row.status !== 'awaiting_approval') {
      throw new ConflictError('Step not awaiting approval', `Step ${stepId} is ${row.status}, not awaiting_approval`);
    }
    if (!approved && !reason?.trim()) throw new ValidationError('Reason required', 'Give a reason when you reject a step: it is recorded, and given to the step that revises');
    const now = new Date();
    const approval = jsonb({ approved, reason, at: now.toISOString() });
    if (approved) {
      updateStep(sql, changes, executionId, stepId, -1, { status: 'completed', approval, completed_at: now, ...(step.agent ? {} : { output: reason ?? '' }) });
      appendEvent(changes, executionId, 'step.approved', { stepId, reason });
    } else if (step.onReject === 'revise' && step.reviseStep) {
      appendEvent(changes, executionId, 'step.rejected', { stepId, reason, revise: step.reviseStep });
      const reset = [step.reviseStep, ...downstream(plan, step.reviseStep)];
      await sql.query(`DELETE FROM step_runs WHERE execution_id = $1 AND step_id = ANY($2) AND item_index >= 0`, [executionId, reset]);
      // A job already queued for a step being reset must not run it with the old inputs: its attempt moves on.
      await sql.query(
        `UPDATE step_runs SET attempt = attempt + CASE WHEN status = 'pending' AND queued_at IS NOT NULL THEN 1 ELSE 0 END,
           status = 'pending', queued_at = NULL, output = NULL, output_json = NULL, error = NULL, completed_at = NULL
         WHERE execution_id = $1 AND step_id = ANY($2) AND item_index = -1`,
        [executionId, reset],
      );
      updateStep(sql, changes, executionId, step.reviseStep, -1, { feedback: reason });
      updateStep(sql, changes, executionId, stepId, -1, { approval });
    } else {
      updateStep(sql, changes, executionId, stepId, -1, { status: 'rejected', approval, completed_at: now });
      appendEvent(changes, executionId, 'step.rejected', { stepId, reason });
      halt(sql, changes, execution, 'failed', { error: `Step ${stepId} was rejected: ${reason}`, completedAt: now });
      return executionId;
    }
    await applyDecisions(deps, sql, changes, execution);
    return executionId;
  });
}

/** Stops an execution: nothing more starts, and in-flight model calls are aborted in every process. Returns its id. */
export async function stopExecution(deps: EngineDeps, tenantId: string, executionId: string): Promise<string> {
  await transaction(deps, async (sql, changes) => {
    const execution = await lockOwn(sql, tenantId, executionId);
    if (!isLive(execution.status)) {
      throw new ConflictError(`Execution already ${execution.status}`, `Execution ${executionId} is ${execution.status}; only a running execution can be stopped`);
    }
    halt(sql, changes, execution, 'stopped');
  });
  return executionId;
}

/**
 * A plan's total timeout (a recipe's `total_timeout`) has passed since the execution started: a
 * live one fails, and its in-flight model calls are aborted in every process, while they run.
 */
export async function expireExecution(deps: EngineDeps, executionId: string): Promise<void> {
  await transaction(deps, async (sql, changes) => {
    const execution = await lockExecution(sql, executionId);
    if (!execution || !isLive(execution.status)) return;
    const seconds = ((execution.plan as Plan).totalTimeoutMs ?? 0) / 1000;
    halt(sql, changes, execution, 'failed', { error: `The execution ran past its total timeout of ${seconds} s` });
  });
}
