import type { JsonValue, Plan, PlanAgent, PlanStep } from '../compiler/plan.ts';
import { newId } from '../store/ids.ts';
import type { ExecutionEventType } from '../store/events.ts';
import { decide, isActive, key, scopeOf, type StepState } from './decide.ts';
import { renderText, renderValue } from './render.ts';
import { budgetRoom, BudgetExhausted, hasBudget, type Totals } from './budget.ts';
import { claimLocally, type LocalWorker } from './claim-local.ts';
import type { Snapshot } from './early-start.ts';
import { callRoom, hasCap, queuePriority, waitForRoom } from './limits.ts';
import { appendEvent, enqueueMany, isLive, lockExecution, QUEUES, setStatus, transactionSent, type Changes, type EngineDeps, type ExecutionRow, type Sql, type StatusData } from './transaction.ts';

export interface StepJob {
  executionId: string;
  stepId: string;
  itemIndex: number;
  attempt: number;
}

/** One attempt of a step or item: its job's singleton key, and how a worker knows the attempts it runs. */
export const attemptKey = (job: StepJob) => `${job.executionId}:${job.stepId}:${job.itemIndex}:${job.attempt}`;

/** A step this worker has claimed and will run now: the attempt, and what to send the model. */
export interface Claim {
  job: StepJob;
  /** The execution's tenant, whose tool servers the step's agent uses. */
  tenantId: string;
  step: PlanStep;
  agent: PlanAgent;
  prompt: string;
  modelId: string;
  /** Whether budgets bind its execution: then each model request beyond the first reserves its worst case too. */
  budgeted: boolean;
  /** Claimed in an engine transaction for this worker: the row and the states as it left them, to start the next steps early from (engine/early-start.ts). */
  snapshot?: Snapshot;
}

/** The columns of a step row the engine decides on. */
export const STATE_COLUMNS = `step_id AS "stepId", item_index AS "itemIndex", status, attempt, queued_at IS NOT NULL AS queued, output, output_json AS "outputJson", feedback`;

export async function loadStates(sql: Sql, executionId: string): Promise<Map<string, StepState>> {
  const rows = await sql.query<StepState>(`SELECT ${STATE_COLUMNS} FROM step_runs WHERE execution_id = $1`, [executionId]);
  return new Map(rows.map((row) => [key(row.stepId, row.itemIndex), row]));
}

/** Sets columns of one step row (a step: item -1, or an item of a For each step); sent now, awaited at commit. */
export function updateStep(sql: Sql, changes: Changes, executionId: string, stepId: string, itemIndex: number, columns: Record<string, unknown>): void {
  const names = Object.keys(columns);
  changes.write(
    sql.query(
      `UPDATE step_runs SET ${names.map((name, index) => `${name} = $${index + 4}`).join(', ')} WHERE execution_id = $1 AND step_id = $2 AND item_index = $3`,
      [executionId, stepId, itemIndex, ...names.map((name) => columns[name])],
    ),
  );
}

/**
 * Ends a live execution as `stopped`, `failed` or `budget_exhausted`: its unfinished steps stop (none
 * is left running or pending in a finished execution), nothing more starts, and once the transaction
 * commits the model calls still running for it are aborted in every process.
 */
export function halt(sql: Sql, changes: Changes, execution: ExecutionRow, status: 'stopped' | 'failed' | 'budget_exhausted', data: StatusData = {}): void {
  const completedAt = data.completedAt ?? new Date();
  changes.write(
    sql.query(`UPDATE step_runs SET status = 'stopped', completed_at = $2 WHERE execution_id = $1 AND status IN ('pending', 'running', 'awaiting_approval')`, [execution.id, completedAt]),
  );
  setStatus(sql, changes, execution, status, { ...data, completedAt });
  changes.stopped.add(execution.id);
  if (hasCap(execution)) changes.freed.set(execution.tenantId, execution);
}

/**
 * A step could not reserve its model call within a budget. While other attempts run, it waits (what
 * they settle may leave room; it is ready again at their record). With none left, the execution
 * ends `budget_exhausted`, keeping its finished steps and the output as far as they make it.
 * Returns whether it ended.
 */
export function outOfBudget(sql: Sql, changes: Changes, execution: ExecutionRow, states: Map<string, StepState>, limit: string): boolean {
  const plan = execution.plan as Plan;
  // A running For each step only waits for its items: they are what calls models.
  const fanOuts = plan.steps.filter((step) => step.forEach);
  if ([...states.values()].some((state) => isActive(state) && !(state.itemIndex === -1 && fanOuts.some((step) => step.id === state.stepId)))) return false;
  // A For each step cut short reads as the outputs of the items that finished.
  const partial = new Map([...states].map(([name, state]) => [name, { ...state }]));
  for (const step of fanOuts) {
    const parent = partial.get(key(step.id, -1))!;
    if (parent.status !== 'running') continue;
    const done = [...states.values()].filter((state) => state.stepId === step.id && state.itemIndex >= 0 && state.status === 'completed').sort((a, b) => a.itemIndex - b.itemIndex);
    parent.outputJson = done.map((item) => (step.outputFormat === 'json' ? item.outputJson : item.output ?? ''));
  }
  const output = resolveOutput(plan, partial, execution);
  halt(sql, changes, execution, 'budget_exhausted', { error: new BudgetExhausted(limit).message, output, stepsCompleted: countDone(states) });
  return true;
}

/** A JSON value for a jsonb parameter. */
export const jsonb = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** The output expression resolved against the finished steps. */
function resolveOutput(plan: Plan, states: Map<string, StepState>, execution: ExecutionRow): string {
  const scope = scopeOf(plan, states, execution.inputs as Record<string, JsonValue>, execution.id);
  return renderText(plan.outputMode === 'template' ? plan.output : `{{${plan.output}}}`, scope);
}

/**
 * Applies the engine's decisions for a locked execution: skips, approvals, fan-outs, jobs for
 * ready steps, and the end of the execution. Everything happens in the caller's transaction.
 * With a `worker` (a worker process), up to `slots` ready steps and items are claimed for it instead
 * of queued, so they start at once, without a round trip through the queue; a crash of that worker
 * is recovered like any other (workers/liveness.ts). A claim reserves its model call's worst case
 * against the execution's budgets; a step that does not fit is left ready, not started.
 */
export async function applyDecisions(deps: EngineDeps, sql: Sql, changes: Changes, execution: ExecutionRow, worker?: LocalWorker, loaded?: Map<string, StepState>, spent?: Totals): Promise<Claim[]> {
  const plan = execution.plan as Plan;
  const states = loaded ?? (await loadStates(sql, execution.id));
  const now = new Date();
  const ready: { stepId: string; itemIndex: number }[] = [];
  const event = (type: ExecutionEventType, payload: Record<string, unknown>) => appendEvent(changes, execution.id, type, payload);
  for (const action of decide(plan, states, execution.inputs as Record<string, JsonValue>, execution.id)) {
    switch (action.kind) {
      case 'skip':
        updateStep(sql, changes, execution.id, action.stepId, -1, { status: 'skipped', completed_at: now });
        states.get(key(action.stepId, -1))!.status = 'skipped';
        event('step.skipped', { stepId: action.stepId });
        break;
      case 'await-approval':
        updateStep(sql, changes, execution.id, action.stepId, -1, { status: 'awaiting_approval', started_at: now });
        states.get(key(action.stepId, -1))!.status = 'awaiting_approval';
        event('step.awaiting_approval', { stepId: action.stepId });
        break;
      case 'expand': {
        const step = plan.steps.find((s) => s.id === action.stepId)!;
        const agent = plan.agents.find((a) => a.id === step.agent);
        const indexes = action.items.map((_, itemIndex) => itemIndex);
        changes.write(
          sql.query(
            `INSERT INTO step_runs (id, execution_id, step_id, position, item_index, status, agent_id, model_id)
             SELECT i.id, $1, $2, $3, i.item_index, 'pending', $4, $5 FROM unnest($6::text[], $7::int[]) AS i(id, item_index)`,
            [execution.id, step.id, plan.steps.indexOf(step), step.agent, step.modelId ?? agent?.modelId ?? null, indexes.map(() => newId('run')), indexes],
          ),
        );
        updateStep(sql, changes, execution.id, step.id, -1, { status: 'running', started_at: now, output_json: jsonb(action.items) });
        indexes.forEach((itemIndex) => states.set(key(step.id, itemIndex), { stepId: step.id, itemIndex, status: 'pending', attempt: 0, queued: false, output: null, outputJson: null, feedback: null }));
        Object.assign(states.get(key(step.id, -1))!, { status: 'running', outputJson: action.items });
        event('step.started', { stepId: step.id, items: action.items.length });
        break;
      }
      case 'enqueue':
        ready.push(action);
        break;
      case 'complete-for-each': {
        const text = action.outputs.map(renderValue).join('\n\n---\n\n');
        const status = plan.steps.find((s) => s.id === action.stepId)!.approval ? 'awaiting_approval' : 'completed';
        updateStep(sql, changes, execution.id, action.stepId, -1, { status, completed_at: status === 'completed' ? now : null, output: text, output_json: jsonb(action.outputs) });
        Object.assign(states.get(key(action.stepId, -1))!, { status, outputJson: action.outputs, output: text });
        event(status === 'completed' ? 'step.completed' : 'step.awaiting_approval', { stepId: action.stepId, items: action.outputs.length });
        break;
      }
      case 'fail-step':
        updateStep(sql, changes, execution.id, action.stepId, -1, { status: 'failed', completed_at: now, error: action.error });
        states.get(key(action.stepId, -1))!.status = 'failed';
        event('step.failed', { stepId: action.stepId, error: action.error });
        break;
      case 'fail':
        // Steps still running beside the one that failed stop too, and their model calls are aborted.
        halt(sql, changes, execution, 'failed', { error: action.error, completedAt: now });
        return [];
      case 'finish': {
        const output = resolveOutput(plan, states, execution);
        changes.write(sql.query(`INSERT INTO output_versions (id, execution_id, version, output, output_type) VALUES ($1, $2, 1, $3, $4)`, [newId('ver'), execution.id, output, plan.outputType]));
        setStatus(sql, changes, execution, 'completed', { output, version: 1, completedAt: now, stepsCompleted: countDone(states) });
        return [];
      }
    }
  }
  // Past its tenant's or workflow's limit of running calls, a step waits (woken when a call ends).
  const allowed = ready.length && hasCap(execution) ? await callRoom(sql, execution) : Infinity;
  if (ready.length > allowed) {
    ready.splice(allowed);
    waitForRoom(sql, changes, execution);
  }
  // With a worker, ready steps (and For each items) are claimed for it, as many as it has room for.
  const local = worker ? ready.splice(0, worker.slots) : [];
  const room = local.length && hasBudget(execution) ? await budgetRoom(sql, execution, spent) : undefined;
  const { claims, short } = worker ? claimLocally(changes, execution, states, local, worker, now, room) : { claims: [], short: undefined };
  // The other steps that became ready are queued together: one update, one insert of jobs.
  if (ready.length > 0) {
    changes.write(
      sql.query(
        `UPDATE step_runs AS r SET attempt = r.attempt + 1, queued_at = $2
         FROM unnest($3::text[], $4::int[]) AS q(step_id, item_index)
         WHERE r.execution_id = $1 AND r.step_id = q.step_id AND r.item_index = q.item_index`,
        [execution.id, now, ready.map((entry) => entry.stepId), ready.map((entry) => entry.itemIndex)],
      ),
    );
    const priority = await queuePriority(sql, execution.tenantId);
    const jobs = ready.map(({ stepId, itemIndex }, index) => {
      const state = states.get(key(stepId, itemIndex))!;
      Object.assign(state, { attempt: state.attempt + 1, queued: true });
      const job: StepJob = { executionId: execution.id, stepId, itemIndex, attempt: state.attempt };
      return { data: job, singletonKey: attemptKey(job), priority: priority - index };
    });
    enqueueMany(deps, sql, changes, QUEUES.step, jobs);
  }
  if (short && outOfBudget(sql, changes, execution, states, short)) return [];
  const top = [...states.values()].filter((state) => state.itemIndex === -1);
  const waiting = top.some((state) => state.status === 'awaiting_approval');
  const busy = [...states.values()].some((state) => state.status === 'running' || (state.status === 'pending' && state.queued));
  const status = waiting && !busy ? 'awaiting_approval' : 'running';
  const stepsCompleted = countDone(states);
  if (status !== execution.status) setStatus(sql, changes, execution, status, { stepsCompleted });
  else if (stepsCompleted !== execution.stepsCompleted) changes.stepsCompleted.set(execution.id, stepsCompleted);
  return claims;
}

function countDone(states: Map<string, StepState>): number {
  return [...states.values()].filter((state) => state.itemIndex === -1 && (state.status === 'completed' || state.status === 'skipped')).length;
}

/**
 * The `advance` job: look at the execution again and do what is due; with a worker, claim what it
 * has room for. Answers once COMMIT is sent (see transactionSent).
 */
export function advance(deps: EngineDeps, executionId: string, worker?: LocalWorker) {
  return transactionSent(deps, async (sql, changes): Promise<Claim[]> => {
    // Pipelined: the states are read once the lock is held.
    const [execution, states] = await Promise.all([lockExecution(sql, executionId), loadStates(sql, executionId)]);
    if (!execution || !isLive(execution.status)) return [];
    return applyDecisions(deps, sql, changes, execution, worker, states);
  });
}
