import type { Plan } from '../compiler/plan.ts';
import { ConflictError, executionNotFound, ValidationError } from '../errors.ts';
import { firstUnfinished, planFork } from './fork-plan.ts';
import { insertExecution, type StartDeps } from './start.ts';
import { applyOverrides, checkRevision } from './fork-overrides.ts';
import type { ModelRegistry } from '../compiler/models.ts';
import { findWorkflow } from '../library/workflows.ts';
import type { EngineDeps } from './transaction.ts';

/** What a fork will run and keep, and what running it should cost judging by past runs. */
export interface ForkPreview {
  fromStep: string;
  /** Steps the fork runs (plan order): the step, its dependents, and any that had not completed. */
  stepsToRun: string[];
  /** Steps it keeps as recorded: no model call, no cost. */
  stepsReused: string[];
  /** Tokens (in and out) and USD the steps to run took when they last ran: in the source, else on average over the last 50 runs of the same workflow or recipe. */
  estimatedTokens: number;
  estimatedCostUsd: number;
  /** Steps to run with no past run to judge by (not counted in the estimate). */
  unestimatedSteps: string[];
}

const LIVE = new Set(['running', 'awaiting_approval']);
const HISTORY = 50;

async function loadSource(deps: EngineDeps, tenantId: string, id: string) {
  const source = await deps.db.execution.findFirst({
    where: { id, tenantId },
    select: { id: true, status: true, plan: true, inputs: true, workflowId: true, recipeId: true, metadata: true, budgetTokens: true, budgetUsd: true, steps: { select: { stepId: true, itemIndex: true, status: true, reused: true, tokensIn: true, tokensOut: true, costUsd: true } } },
  });
  if (!source) throw executionNotFound(id);
  if (LIVE.has(source.status)) throw new ConflictError('Execution is still running', `Execution ${id} is ${source.status}: fork or retry it once it has finished (stopExecution stops it).`);
  const statuses = new Map(source.steps.filter((step) => step.itemIndex === -1).map((step) => [step.stepId, step.status]));
  return { ...source, plan: source.plan as unknown as Plan, statuses };
}

type Source = Awaited<ReturnType<typeof loadSource>>;

/** What a fork may ask for besides its step: new inputs, the workflow's newest version, plan overrides. */
export interface ForkOptions {
  inputs?: unknown;
  /** Run the workflow's current version instead of the pinned plan (when the steps it keeps are unchanged there). */
  onLatest?: boolean | null;
  planOverrides?: unknown;
}

/** The plan a fork runs: the pinned one, or the workflow's current version when asked and compatible. */
async function forkPlan(deps: EngineDeps, tenantId: string, source: Source, fromStep: string, onLatest: boolean | null | undefined): Promise<{ plan: Plan; version?: number }> {
  if (!onLatest) return { plan: source.plan };
  if (!source.workflowId) throw new ValidationError('No newer version', 'onLatest applies to markdown workflows: a recipe execution pins its compiled recipe (fork it as it is, or run the recipe again)');
  const workflow = await findWorkflow(deps.db, tenantId, source.workflowId);
  const plan = workflow.plan as unknown as Plan;
  checkRevision(source.plan, plan, planFork(plan, source.statuses, fromStep).reuse, workflow.version);
  return { plan, version: workflow.version };
}

async function preview(deps: EngineDeps, tenantId: string, source: Source, fromStep: string, plan = source.plan): Promise<ForkPreview> {
  const { run, reuse } = planFork(plan, source.statuses, fromStep);
  const spent = new Map<string, { tokens: number; cost: number }>();
  for (const id of run) {
    const rows = source.steps.filter((step) => step.stepId === id);
    // What the step cost here, when it ran to its end here (a reused row cost nothing here).
    if (source.statuses.get(id) === 'completed' && rows.every((row) => !row.reused)) {
      spent.set(id, { tokens: rows.reduce((sum, row) => sum + row.tokensIn + row.tokensOut, 0), cost: rows.reduce((sum, row) => sum + row.costUsd, 0) });
    }
  }
  const missing = run.filter((id) => !spent.has(id));
  if (missing.length > 0) {
    const history = await deps.db.$queryRawUnsafe<{ step_id: string; tokens: number; cost: number }[]>(
      `SELECT per_run.step_id, avg(per_run.tokens)::float8 AS tokens, avg(per_run.cost)::float8 AS cost
       FROM (
         SELECT r.execution_id, r.step_id, sum(r.tokens_in + r.tokens_out) AS tokens, sum(r.cost_usd) AS cost
         FROM step_runs r
         WHERE r.execution_id IN (
           SELECT e.id FROM executions e
           WHERE e.tenant_id = $1 AND e.id <> $2 AND (e.workflow_id = $3 OR e.recipe_id = $4)
           ORDER BY e.created_at DESC LIMIT ${HISTORY}
         ) AND r.step_id = ANY($5::text[])
         GROUP BY r.execution_id, r.step_id
         HAVING bool_and(NOT r.reused) AND bool_or(r.item_index = -1 AND r.status = 'completed')
       ) AS per_run
       GROUP BY per_run.step_id`,
      tenantId,
      source.id,
      source.workflowId,
      source.recipeId,
      missing,
    );
    for (const row of history) spent.set(row.step_id, { tokens: Math.round(row.tokens), cost: row.cost });
  }
  const known = run.filter((id) => spent.has(id));
  return {
    fromStep,
    stepsToRun: run,
    stepsReused: reuse,
    estimatedTokens: known.reduce((sum, id) => sum + spent.get(id)!.tokens, 0),
    estimatedCostUsd: known.reduce((sum, id) => sum + spent.get(id)!.cost, 0),
    unestimatedSteps: run.filter((id) => !spent.has(id)),
  };
}

/** `forkPreview`: what forking from `fromStep` would run, keep and cost, without starting anything. */
export async function previewFork(deps: EngineDeps, tenantId: string, executionId: string, fromStep: string, onLatest?: boolean | null): Promise<ForkPreview> {
  const source = await loadSource(deps, tenantId, executionId);
  return preview(deps, tenantId, source, fromStep, (await forkPlan(deps, tenantId, source, fromStep, onLatest)).plan);
}

export type ForkDeps = StartDeps & { models: ModelRegistry };

/** Starts the fork of a loaded source: the preview, then the new execution with the kept steps copied. */
async function fork(deps: ForkDeps, tenantId: string, source: Source, fromStep: string, { inputs, onLatest, planOverrides }: ForkOptions = {}): Promise<{ id: string; preview: ForkPreview }> {
  if (inputs !== undefined && inputs !== null && (typeof inputs !== 'object' || Array.isArray(inputs))) throw new ValidationError('Invalid inputs', 'inputs must be an object mapping input names to values');
  const chosen = await forkPlan(deps, tenantId, source, fromStep, onLatest);
  const answer = await preview(deps, tenantId, source, fromStep, chosen.plan);
  const plan = planOverrides == null ? chosen.plan : applyOverrides(chosen.plan, planOverrides, answer.stepsToRun, deps.models);
  const { id } = await insertExecution(deps, {
    tenantId,
    workflowId: source.workflowId,
    recipeId: source.recipeId,
    plan,
    inputs: { ...(source.inputs as object), ...((inputs as object | undefined) ?? {}) },
    triggeredBy: 'manual',
    metadata: source.metadata as Record<string, unknown>,
    fork: { sourceId: source.id, fromStep, reuse: answer.stepsReused },
    // The source's budget, afresh: the steps it keeps cost the fork nothing.
    budget: { tokens: source.budgetTokens, usd: source.budgetUsd },
  }, {});
  return { id, preview: answer };
}

/**
 * `forkExecution`: a new execution of the same pinned plan that keeps the recorded outputs of every
 * step not downstream of `fromStep` and runs the rest. `inputs` override the source's, by name.
 */
export async function forkExecution(deps: ForkDeps, tenantId: string, executionId: string, fromStep: string, options: ForkOptions = {}): Promise<{ id: string; preview: ForkPreview }> {
  return fork(deps, tenantId, await loadSource(deps, tenantId, executionId), fromStep, options);
}

/** `retryExecution`: a fork from the first step that did not complete. */
export async function retryExecution(deps: ForkDeps, tenantId: string, executionId: string): Promise<{ id: string; preview: ForkPreview }> {
  const source = await loadSource(deps, tenantId, executionId);
  const from = firstUnfinished(source.plan, source.statuses);
  if (!from) throw new ConflictError('Nothing to retry', `Execution ${executionId} completed every step: fork it from a step to run that step again.`);
  return fork(deps, tenantId, source, from);
}
