import type { Plan } from '../compiler/plan.ts';
import type { ModelRegistry } from '../compiler/models.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { OFFLINE_MODEL } from '../compiler/models.ts';
import type { ToolRegistry } from '../agents/tools.ts';
import { newId } from '../store/ids.ts';
import { workflowToRun } from '../library/workflows.ts';
import { recipeToRun } from '../library/recipes.ts';
import { applyDecisions, jsonb, type Claim } from './advance.ts';
import { decide, key, type StepState } from './decide.ts';
import { validateInputs } from './inputs.ts';
import { checkBudget, type Budget } from './budget.ts';
import { startClaimed } from './step.ts';
import { localWorker, type StepDeps } from './step-deps.ts';
import { appendEvent, enqueue, lockExecution, QUEUES, transactionSent, type Changes, type EngineDeps, type Sql } from './transaction.ts';

/**
 * What starting needs besides the engine: with `tools` (and Claude answering, `modelsCallTools`), an
 * agent whose tool server the tenant has not configured fails the start instead of the step.
 * `localWorker`: the worker this process runs, if it runs one (role all).
 */
export type StartDeps = EngineDeps & { tools?: Pick<ToolRegistry, 'aliases'>; modelsCallTools?: boolean; localWorker?: () => StepDeps | undefined };

/** A ConflictError naming each agent whose tool servers are missing, and the ones there are. */
async function checkToolServers(deps: StartDeps, tenantId: string, plan: Plan): Promise<void> {
  if (!deps.tools || !deps.modelsCallTools) return;
  const used = new Set(plan.steps.map((step) => step.agent));
  // The offline model calls no tools.
  const agents = plan.agents.filter((agent) => used.has(agent.id) && agent.tools.length && agent.modelId !== OFFLINE_MODEL);
  if (!agents.length) return;
  const known = new Set(await deps.tools.aliases(tenantId));
  const missing = agents.flatMap((agent) => agent.tools.filter((alias) => !known.has(alias)).map((alias) => `agent ${agent.name} uses the tool server ${alias}`));
  if (missing.length) {
    const configured = known.size ? `the workspace's tool servers are ${[...known].join(', ')}` : 'the workspace has no tool servers yet';
    throw new ConflictError('Tool server missing', `${missing.join('; ')}, which this workspace has not configured (or has disabled); ${configured}. Add it with createToolServer or POST /api/tool-servers.`);
  }
}

/** What started an execution: `manual` (the API), `cron`, `webhook`. */
export type Trigger = 'manual' | 'cron' | 'webhook';

export interface NewExecution {
  tenantId: string;
  /** Exactly one of the two: what the execution runs. */
  workflowId: string | null;
  recipeId: string | null;
  /** A copy, so that a later edit never changes this execution. */
  plan: Plan;
  inputs: unknown;
  triggeredBy: Trigger;
  metadata: Record<string, unknown>;
  /** A fork: the execution it comes from, the step it runs again from, and the steps whose recorded rows it copies. */
  fork?: { sourceId: string; fromStep: string; reuse: string[] };
  /** No model call starts that could take it past this (checked). */
  budget?: { tokens: number | null; usd: number | null } | null;
}

/** How a trigger starts an execution (`manual` callers pass nothing). */
export interface StartOptions {
  /** Runs in the starting transaction with the new execution's id; throwing there starts nothing. */
  also?: (sql: Sql, executionId: string) => Promise<unknown>;
  /** Inputs the plan does not declare are dropped instead of refused (webhook payloads carry far more). */
  dropUndeclaredInputs?: boolean;
  /** The execution's budget, over the workflow's default (engine/budget.ts). */
  budget?: Budget | null;
}

const declaredOnly = (plan: Plan, inputs: unknown) =>
  inputs && typeof inputs === 'object' && !Array.isArray(inputs)
    ? Object.fromEntries(Object.entries(inputs).filter(([name]) => plan.inputs.some((input) => input.name === name)))
    : inputs;

/**
 * Validates the inputs against the plan (every problem at once), then inserts the execution with its
 * plan, its step rows and the first `advance` job in one transaction, and returns its id at once.
 * `also` runs in that transaction (a recipe counts its use there).
 */
export async function insertExecution(deps: StartDeps, run: NewExecution, options: StartOptions, count?: (sql: Sql) => Promise<unknown>) {
  const { tenantId, plan } = run;
  const checked = validateInputs(plan.inputs, options.dropUndeclaredInputs ? declaredOnly(plan, run.inputs) : run.inputs);
  if ('problems' in checked) throw new ValidationError('Invalid inputs', checked.problems.join('; '));
  await checkToolServers(deps, tenantId, plan);
  const id = newId('exec');
  const worker = run.fork ? undefined : deps.localWorker?.();
  const sent = await transactionSent(deps, async (sql, changes): Promise<Claim[]> => {
    // Sent together (the connection pipelines): the step rows follow the execution's row in order,
    // and when a worker runs here, the lock of the new row (read as every engine transaction reads it).
    const [[execution], , locked] = await Promise.all([
      sql.query<{ id: string; created_at: Date }>(
        `INSERT INTO executions (id, tenant_id, workflow_id, recipe_id, workflow_name, plan, inputs, status, steps_total, output_type, triggered_by, metadata, forked_from_id, forked_from_step, budget_tokens, budget_usd)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id, created_at`,
        [
          id, tenantId, run.workflowId, run.recipeId, plan.name, jsonb(plan), jsonb(checked.values), plan.steps.length, plan.outputType, run.triggeredBy, jsonb(run.metadata),
          run.fork?.sourceId ?? null, run.fork?.fromStep ?? null, run.budget?.tokens ?? null, run.budget?.usd ?? null,
        ],
      ),
      sql.query(
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
      ),
      worker ? lockExecution(sql, id) : undefined,
    ]);
    if (run.fork) await reuseSteps(sql, changes, id, run.fork);
    await count?.(sql);
    await options.also?.(sql, id);
    appendEvent(changes, id, 'execution.running', { status: 'running', inputs: checked.values });
    changes.updates.push({ tenantId, executionId: id, workflowId: run.workflowId, recipeId: run.recipeId, status: 'running', at: execution.created_at.toISOString() });
    // The total timeout is a job due when it runs out: enforced while steps run, not between them.
    if (plan.totalTimeoutMs) enqueue(deps, sql, changes, QUEUES.deadline, { executionId: id }, id, Math.ceil(plan.totalTimeoutMs / 1000));
    // A worker runs here: when all the engine would do now is start steps (the usual start), they
    // are claimed for it in this transaction, as the advance job would, so their model calls start
    // as this commits rather than after a round trip through the queue. What it has no room for is
    // queued; a claimed step of a worker that dies is started again elsewhere. Any other first
    // decision (a skip, an approval, an empty run) is the advance job's, as without a worker here.
    const states = new Map<string, StepState>(
      plan.steps.map((step) => [key(step.id, -1), { stepId: step.id, itemIndex: -1, status: 'pending', attempt: 0, queued: false, output: null, outputJson: null, feedback: null }]),
    );
    const startsOnly = worker && decide(plan, states, checked.values, id).every((action) => action.kind === 'enqueue' || action.kind === 'expand');
    if (!worker || !startsOnly) {
      enqueue(deps, sql, changes, QUEUES.advance, { executionId: id }, id);
      return [];
    }
    return applyDecisions(deps, sql, changes, locked!, localWorker(worker), states);
  });
  if (worker) await startClaimed(worker, sent);
  else await sent.committed;
  return { id };
}

/**
 * A fork's kept steps take the rows the source recorded (For each items included): status, prompt and
 * output, marked `reused`, with no attempt, tokens or cost of their own. Each reads as finished in the
 * fork's event log, so a follower of the fork sees every step end.
 */
async function reuseSteps(sql: Sql, changes: Changes, executionId: string, fork: NonNullable<NewExecution['fork']>) {
  const rows = await sql.query<{ step_id: string; status: string }>(
    `UPDATE step_runs AS r SET status = s.status, reused = true, prompt = s.prompt, output = s.output, output_json = s.output_json, approval = s.approval,
            started_at = s.started_at, completed_at = s.completed_at
     FROM step_runs AS s
     WHERE r.execution_id = $1 AND s.execution_id = $2 AND s.step_id = r.step_id AND s.item_index = -1 AND r.item_index = -1 AND r.step_id = ANY($3::text[])
     RETURNING r.step_id, r.status`,
    [executionId, fork.sourceId, fork.reuse],
  );
  await sql.query(
    `INSERT INTO step_runs (id, execution_id, step_id, position, item_index, status, reused, agent_id, model_id, prompt, output, output_json, started_at, completed_at)
     SELECT 'run_' || replace(gen_random_uuid()::text, '-', ''), $1, s.step_id, s.position, s.item_index, s.status, true, s.agent_id, s.model_id, s.prompt, s.output, s.output_json, s.started_at, s.completed_at
     FROM step_runs AS s WHERE s.execution_id = $2 AND s.item_index >= 0 AND s.step_id = ANY($3::text[])`,
    [executionId, fork.sourceId, fork.reuse],
  );
  for (const stepId of fork.reuse) {
    const status = rows.find((row) => row.step_id === stepId)?.status;
    appendEvent(changes, executionId, status === 'skipped' ? 'step.skipped' : 'step.completed', { stepId, itemIndex: -1, reused: true, from: fork.sourceId });
  }
}

/** `runWorkflow`: an execution of a markdown workflow's current plan, with the budget asked for or else the workflow's. */
export async function startExecution(deps: StartDeps, tenantId: string, workflowId: string, inputs: unknown, triggeredBy: Trigger = 'manual', options: StartOptions = {}) {
  const asked = checkBudget(options.budget);
  const workflow = await workflowToRun(deps.pool, tenantId, workflowId);
  const budget = asked ?? checkBudget({ tokens: workflow.budgetTokens, usd: workflow.budgetUsd });
  return insertExecution(deps, { tenantId, workflowId, recipeId: null, plan: workflow.plan, inputs, triggeredBy, metadata: {}, budget }, options);
}

/**
 * `runRecipe`: an execution of a recipe, compiled afresh with its agents as they are now and copied
 * into the execution. Starting one counts a use of the recipe (use_count, last_used_at).
 */
export async function startRecipeExecution(deps: StartDeps & { models: ModelRegistry }, tenantId: string, ref: string, inputs: unknown, triggeredBy: Trigger = 'manual', options: StartOptions = {}) {
  const budget = checkBudget(options.budget);
  const { recipe, plan } = await recipeToRun(deps.db, tenantId, ref, deps.models);
  const metadata = { template_id: recipe.templateId, recipe_version: recipe.version, execution_config: recipe.executionConfig };
  const started = await insertExecution(deps, { tenantId, workflowId: null, recipeId: recipe.id, plan, inputs, triggeredBy, metadata, budget }, options, (sql) =>
    sql.query('UPDATE recipes SET use_count = use_count + 1, last_used_at = now() WHERE id = $1', [recipe.id]),
  );
  return { ...started, recipeId: recipe.id };
}
