import type { Plan } from '../compiler/plan.ts';
import { ValidationError } from '../errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { newId } from '../ids.ts';
import { findWorkflow } from '../workflows.ts';
import { validateInputs } from './inputs.ts';
import { appendEvent, enqueue, QUEUES, transaction, type EngineDeps } from './transaction.ts';

/**
 * `runWorkflow`: validates the inputs against the plan (every problem at once), then inserts the
 * execution with a copy of the plan, its step rows and the first `advance` job in one transaction,
 * and returns at once.
 */
export async function startExecution(deps: EngineDeps, tenantId: string, workflowId: string, inputs: unknown) {
  const workflow = await findWorkflow(deps.db, tenantId, workflowId);
  const plan = workflow.plan as unknown as Plan;
  const checked = validateInputs(plan.inputs, inputs);
  if ('problems' in checked) throw new ValidationError('Invalid inputs', checked.problems.join('; '));
  const id = newId('exec');
  return transaction(deps, async (tx, changes) => {
    const execution = await tx.execution.create({
      data: {
        id,
        tenantId,
        workflowId,
        workflowName: plan.name,
        plan: plan as unknown as Prisma.InputJsonValue,
        inputs: checked.values as Prisma.InputJsonValue,
        status: 'running',
        stepsTotal: plan.steps.length,
        outputType: plan.outputType,
      },
    });
    await tx.stepRun.createMany({
      data: plan.steps.map((step, position) => ({
        id: newId('run'),
        executionId: id,
        stepId: step.id,
        position,
        status: 'pending',
        agentId: step.agent,
        modelId: step.modelId ?? plan.agents.find((agent) => agent.id === step.agent)?.modelId ?? null,
      })),
    });
    await appendEvent(tx, changes, id, 'execution.running', { status: 'running', inputs: checked.values });
    changes.updates.push({ tenantId, executionId: id, workflowId, status: 'running', at: execution.createdAt.toISOString() });
    await enqueue(deps, tx, changes, QUEUES.advance, { executionId: id }, id);
    return execution;
  });
}
