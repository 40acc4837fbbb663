import type { Plan } from '../compiler/plan.ts';
import { ValidationError } from '../errors.ts';
import { newId } from '../store/ids.ts';
import { findWorkflow } from '../library/workflows.ts';
import { jsonb } from './advance.ts';
import { validateInputs } from './inputs.ts';
import { appendEvent, enqueue, QUEUES, transaction, type EngineDeps } from './transaction.ts';

/**
 * `runWorkflow`: validates the inputs against the plan (every problem at once), then inserts the
 * execution with a copy of the plan, its step rows and the first `advance` job in one transaction,
 * and returns its id at once.
 */
export async function startExecution(deps: EngineDeps, tenantId: string, workflowId: string, inputs: unknown) {
  const workflow = await findWorkflow(deps.db, tenantId, workflowId);
  const plan = workflow.plan as unknown as Plan;
  const checked = validateInputs(plan.inputs, inputs);
  if ('problems' in checked) throw new ValidationError('Invalid inputs', checked.problems.join('; '));
  const id = newId('exec');
  return transaction(deps, async (sql, changes) => {
    const [execution] = await sql.query<{ id: string; created_at: Date }>(
      `INSERT INTO executions (id, tenant_id, workflow_id, workflow_name, plan, inputs, status, steps_total, output_type)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8) RETURNING id, created_at`,
      [id, tenantId, workflowId, plan.name, jsonb(plan), jsonb(checked.values), plan.steps.length, plan.outputType],
    );
    await sql.query(
      `INSERT INTO step_runs (id, execution_id, step_id, position, status, agent_id, model_id)
       SELECT s.id, $1, s.step_id, s.position::int - 1, 'pending', s.agent_id, s.model_id
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS s(id, step_id, agent_id, model_id, position)`,
      [
        id,
        plan.steps.map(() => newId('run')),
        plan.steps.map((step) => step.id),
        plan.steps.map((step) => step.agent),
        plan.steps.map((step) => step.modelId ?? plan.agents.find((agent) => agent.id === step.agent)?.modelId ?? null),
      ],
    );
    appendEvent(changes, id, 'execution.running', { status: 'running', inputs: checked.values });
    changes.updates.push({ tenantId, executionId: id, workflowId, status: 'running', at: execution.created_at.toISOString() });
    enqueue(deps, sql, changes, QUEUES.advance, { executionId: id }, id);
    // The total timeout is a job due when it runs out: enforced while steps run, not between them.
    if (plan.totalTimeoutMs) enqueue(deps, sql, changes, QUEUES.deadline, { executionId: id }, id, Math.ceil(plan.totalTimeoutMs / 1000));
    return { id };
  });
}
