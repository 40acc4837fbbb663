import type { Plan } from '../compiler/plan.ts';
import type { Tx } from '../db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { applyDecisions } from './advance.ts';
import { appendEvent, isLive, lockExecution, setStatus, stepRow, transaction, type EngineDeps } from './transaction.ts';

/** The tenant's execution, locked; NotFound for anyone else's. */
export async function lockOwn(tx: Tx, tenantId: string, executionId: string) {
  const execution = await lockExecution(tx, executionId);
  if (!execution || execution.tenantId !== tenantId) {
    throw new NotFoundError('Execution not found', `No execution with ID ${executionId} exists for this tenant`);
  }
  return execution;
}

/** Every step that depends on `stepId`, directly or not. */
function downstream(plan: Plan, stepId: string): Set<string> {
  const found = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const step of plan.steps) {
      if (!found.has(step.id) && step.dependsOn.some((dep) => dep === stepId || found.has(dep))) {
        found.add(step.id);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * A person's decision on a step awaiting approval (spec §5.2). Approving completes it (a
 * checkpoint's output is the reason); rejecting fails the execution, or with `On reject: revise`
 * runs the named step again with the reason as feedback and asks again.
 */
export async function decideApproval(deps: EngineDeps, tenantId: string, executionId: string, stepId: string, approved: boolean, reason: string | null) {
  return transaction(deps, async (tx, changes) => {
    const execution = await lockOwn(tx, tenantId, executionId);
    const plan = execution.plan as unknown as Plan;
    const step = plan.steps.find((s) => s.id === stepId);
    if (!step) throw new NotFoundError('Step not found', `Execution ${executionId} has no step ${stepId}`);
    const where = stepRow(executionId, stepId);
    const row = await tx.stepRun.findUniqueOrThrow({ where });
    if (row.status !== 'awaiting_approval') {
      throw new ConflictError('Step not awaiting approval', `Step ${stepId} is ${row.status}, not awaiting_approval`);
    }
    if (!approved && !reason?.trim()) throw new ValidationError('Reason required', 'Give a reason when you reject a step: it is recorded, and given to the step that revises');
    const now = new Date();
    const approval = { approved, reason, at: now.toISOString() } as Prisma.InputJsonValue;
    if (approved) {
      await tx.stepRun.update({ where, data: { status: 'completed', approval, completedAt: now, ...(step.agent ? {} : { output: reason ?? '' }) } });
      await appendEvent(tx, changes, executionId, 'step.approved', { stepId, reason });
    } else if (step.onReject === 'revise' && step.reviseStep) {
      await appendEvent(tx, changes, executionId, 'step.rejected', { stepId, reason, revise: step.reviseStep });
      const reset = [step.reviseStep, ...downstream(plan, step.reviseStep)];
      await tx.stepRun.deleteMany({ where: { executionId, stepId: { in: reset }, itemIndex: { gte: 0 } } });
      // A job already queued for a step being reset must not run it with the old inputs.
      await tx.stepRun.updateMany({ where: { executionId, stepId: { in: reset }, itemIndex: -1, status: 'pending', queuedAt: { not: null } }, data: { attempt: { increment: 1 } } });
      await tx.stepRun.updateMany({
        where: { executionId, stepId: { in: reset }, itemIndex: -1 },
        data: { status: 'pending', queuedAt: null, output: null, outputJson: Prisma.DbNull, error: null, completedAt: null },
      });
      await tx.stepRun.update({ where: stepRow(executionId, step.reviseStep), data: { feedback: reason } });
      await tx.stepRun.update({ where, data: { approval } });
    } else {
      await tx.stepRun.update({ where, data: { status: 'rejected', approval, completedAt: now } });
      await appendEvent(tx, changes, executionId, 'step.rejected', { stepId, reason });
      await setStatus(tx, changes, execution, 'failed', { error: `Step ${stepId} was rejected: ${reason}`, completedAt: now });
      return tx.execution.findUniqueOrThrow({ where: { id: executionId } });
    }
    await applyDecisions(deps, tx, changes, execution);
    return tx.execution.findUniqueOrThrow({ where: { id: executionId } });
  });
}

/** Stops an execution: nothing more starts, and in-flight model calls are aborted in every process. */
export async function stopExecution(deps: EngineDeps, tenantId: string, executionId: string) {
  const stopped = await transaction(deps, async (tx, changes) => {
    const execution = await lockOwn(tx, tenantId, executionId);
    if (!isLive(execution.status)) {
      throw new ConflictError(`Execution already ${execution.status}`, `Execution ${executionId} is ${execution.status}; only a running execution can be stopped`);
    }
    const now = new Date();
    await tx.stepRun.updateMany({ where: { executionId, status: { in: ['pending', 'running', 'awaiting_approval'] } }, data: { status: 'stopped', completedAt: now } });
    await setStatus(tx, changes, execution, 'stopped', { completedAt: now });
    return tx.execution.findUniqueOrThrow({ where: { id: executionId } });
  });
  await deps.pubsub.publish('executionStopped', 'all', { executionId });
  return stopped;
}
