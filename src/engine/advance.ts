import type { JsonValue, Plan, PlanAgent, PlanStep } from '../compiler/plan.ts';
import { stepPrompt } from './prompt.ts';
import type { Tx } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { newId } from '../ids.ts';
import { decide, key, scopeOf, type StepState } from './decide.ts';
import { renderText, renderValue } from './render.ts';
import { appendEvent, appendEvents, enqueueMany, isLive, lockExecution, QUEUES, setStatus, stepRow, transaction, type Changes, type EngineDeps } from './transaction.ts';

type ExecutionRow = NonNullable<Awaited<ReturnType<typeof lockExecution>>>;

export interface StepJob {
  executionId: string;
  stepId: string;
  itemIndex: number;
  attempt: number;
}

/** A step this worker has claimed and will run now: the attempt, and what to send the model. */
export interface Claim {
  job: StepJob;
  step: PlanStep;
  agent: PlanAgent;
  prompt: string;
  modelId: string;
}

export async function loadStates(tx: Tx, executionId: string): Promise<Map<string, StepState>> {
  const rows = await tx.stepRun.findMany({ where: { executionId } });
  return new Map(
    rows.map((row) => [
      key(row.stepId, row.itemIndex),
      { stepId: row.stepId, itemIndex: row.itemIndex, status: row.status, attempt: row.attempt, queued: row.queuedAt !== null, output: row.output, outputJson: row.outputJson as JsonValue, feedback: row.feedback },
    ]),
  );
}

/** The output expression resolved against the finished steps. */
function resolveOutput(plan: Plan, states: Map<string, StepState>, execution: ExecutionRow): string {
  const scope = scopeOf(plan, states, execution.inputs as Record<string, JsonValue>, execution.id);
  return renderText(plan.outputMode === 'template' ? plan.output : `{{${plan.output}}}`, scope);
}

/**
 * Applies the engine's decisions for a locked execution: skips, approvals, fan-outs, jobs for
 * ready steps, and the end of the execution. Everything happens in the caller's transaction.
 * With `workerId` (a worker process), up to `slots` ready steps and items are claimed for that
 * worker instead of queued, so they start at once, without a round trip through the queue; a crash
 * of that worker is recovered like any other (workers/liveness.ts).
 */
export async function applyDecisions(deps: EngineDeps, tx: Tx, changes: Changes, execution: ExecutionRow, workerId?: string, slots = 0): Promise<Claim[]> {
  const plan = execution.plan as unknown as Plan;
  const states = await loadStates(tx, execution.id);
  const now = new Date();
  const where = (stepId: string, itemIndex = -1) => stepRow(execution.id, stepId, itemIndex);
  const ready: { stepId: string; itemIndex: number }[] = [];
  for (const action of decide(plan, states, execution.inputs as Record<string, JsonValue>, execution.id)) {
    switch (action.kind) {
      case 'skip':
        await tx.stepRun.update({ where: where(action.stepId), data: { status: 'skipped', completedAt: now } });
        states.get(key(action.stepId, -1))!.status = 'skipped';
        await appendEvent(tx, changes, execution.id, 'step.skipped', { stepId: action.stepId });
        break;
      case 'await-approval':
        await tx.stepRun.update({ where: where(action.stepId), data: { status: 'awaiting_approval', startedAt: now } });
        states.get(key(action.stepId, -1))!.status = 'awaiting_approval';
        await appendEvent(tx, changes, execution.id, 'step.awaiting_approval', { stepId: action.stepId });
        break;
      case 'expand': {
        const step = plan.steps.find((s) => s.id === action.stepId)!;
        const agent = plan.agents.find((a) => a.id === step.agent);
        await tx.stepRun.createMany({
          data: action.items.map((_, itemIndex) => ({ id: newId('run'), executionId: execution.id, stepId: step.id, position: plan.steps.indexOf(step), itemIndex, status: 'pending', agentId: step.agent, modelId: step.modelId ?? agent?.modelId })),
        });
        await tx.stepRun.update({ where: where(step.id), data: { status: 'running', startedAt: now, outputJson: action.items as Prisma.InputJsonValue } });
        action.items.forEach((_, itemIndex) => states.set(key(step.id, itemIndex), { stepId: step.id, itemIndex, status: 'pending', attempt: 0, queued: false, output: null, outputJson: null, feedback: null }));
        Object.assign(states.get(key(step.id, -1))!, { status: 'running', outputJson: action.items });
        await appendEvent(tx, changes, execution.id, 'step.started', { stepId: step.id, items: action.items.length });
        break;
      }
      case 'enqueue':
        ready.push(action);
        break;
      case 'complete-for-each': {
        const text = action.outputs.map(renderValue).join('\n\n---\n\n');
        const status = plan.steps.find((s) => s.id === action.stepId)!.approval ? 'awaiting_approval' : 'completed';
        await tx.stepRun.update({ where: where(action.stepId), data: { status, completedAt: status === 'completed' ? now : null, output: text, outputJson: action.outputs as Prisma.InputJsonValue } });
        const state = states.get(key(action.stepId, -1))!;
        Object.assign(state, { status, outputJson: action.outputs, output: text });
        await appendEvent(tx, changes, execution.id, status === 'completed' ? 'step.completed' : 'step.awaiting_approval', { stepId: action.stepId, items: action.outputs.length });
        break;
      }
      case 'fail-step':
        await tx.stepRun.update({ where: where(action.stepId), data: { status: 'failed', completedAt: now, error: action.error } });
        states.get(key(action.stepId, -1))!.status = 'failed';
        await appendEvent(tx, changes, execution.id, 'step.failed', { stepId: action.stepId, error: action.error });
        break;
      case 'fail':
        await setStatus(tx, changes, execution, 'failed', { error: action.error, completedAt: now });
        return [];
      case 'finish': {
        const output = resolveOutput(plan, states, execution);
        await tx.outputVersion.create({ data: { id: newId('ver'), executionId: execution.id, version: 1, output, outputType: plan.outputType } });
        await setStatus(tx, changes, execution, 'completed', { output, version: 1, completedAt: now, stepsCompleted: countDone(states) });
        return [];
      }
    }
  }
  // With a worker, ready steps (and For each items) are claimed for it, as many as it has room for.
  const claims = workerId === undefined ? [] : await claimLocally(tx, changes, execution, states, ready.splice(0, slots), workerId, now);
  // The other steps that became ready are queued together: one update, one insert of jobs.
  if (ready.length > 0) {
    await tx.stepRun.updateMany({ where: { executionId: execution.id, OR: ready.map(({ stepId, itemIndex }) => ({ stepId, itemIndex })) }, data: { attempt: { increment: 1 }, queuedAt: now } });
    const jobs = ready.map(({ stepId, itemIndex }) => {
      const state = states.get(key(stepId, itemIndex))!;
      Object.assign(state, { attempt: state.attempt + 1, queued: true });
      const job: StepJob = { executionId: execution.id, stepId, itemIndex, attempt: state.attempt };
      return { data: job, singletonKey: `${execution.id}:${stepId}:${itemIndex}:${job.attempt}` };
    });
    await enqueueMany(deps, tx, changes, QUEUES.step, jobs);
  }
  const top = [...states.values()].filter((state) => state.itemIndex === -1);
  const waiting = top.some((state) => state.status === 'awaiting_approval');
  const busy = [...states.values()].some((state) => state.status === 'running' || (state.status === 'pending' && state.queued));
  const status = waiting && !busy ? 'awaiting_approval' : 'running';
  const stepsCompleted = countDone(states);
  if (status !== execution.status) await setStatus(tx, changes, execution, status, { stepsCompleted });
  else if (stepsCompleted !== execution.stepsCompleted) await tx.execution.update({ where: { id: execution.id }, data: { stepsCompleted } });
  return claims;
}

function countDone(states: Map<string, StepState>): number {
  return [...states.values()].filter((state) => state.itemIndex === -1 && (state.status === 'completed' || state.status === 'skipped')).length;
}

/** Marks steps as running for this worker, in one statement, and says what to send the model for each. */
async function claimLocally(tx: Tx, changes: Changes, execution: ExecutionRow, states: Map<string, StepState>, entries: { stepId: string; itemIndex: number }[], workerId: string, now: Date): Promise<Claim[]> {
  if (entries.length === 0) return [];
  const plan = execution.plan as unknown as Plan;
  const inputs = execution.inputs as Record<string, JsonValue>;
  const prompts = entries.map(({ stepId, itemIndex }) => stepPrompt(plan, plan.steps.find((s) => s.id === stepId)!, states, inputs, execution.id, itemIndex));
  const rows = await tx.$queryRaw<{ step_id: string; item_index: number; attempt: number }[]>`
    UPDATE step_runs AS r SET attempt = r.attempt + 1, queued_at = ${now}, status = 'running', prompt = c.prompt, worker_id = ${workerId}, started_at = ${now}
    FROM unnest(${entries.map((e) => e.stepId)}::text[], ${entries.map((e) => e.itemIndex)}::int[], ${prompts}::text[]) AS c(step_id, item_index, prompt)
    WHERE r.execution_id = ${execution.id} AND r.step_id = c.step_id AND r.item_index = c.item_index
    RETURNING r.step_id, r.item_index, r.attempt`;
  const attempts = new Map(rows.map((row) => [key(row.step_id, row.item_index), row.attempt]));
  const claims = entries.map(({ stepId, itemIndex }, index): Claim => {
    const step = plan.steps.find((s) => s.id === stepId)!;
    const agent = plan.agents.find((a) => a.id === step.agent)!;
    const attempt = attempts.get(key(stepId, itemIndex))!;
    Object.assign(states.get(key(stepId, itemIndex))!, { attempt, status: 'running' });
    return { job: { executionId: execution.id, stepId, itemIndex, attempt }, step, agent, prompt: prompts[index], modelId: step.modelId ?? agent.modelId };
  });
  await appendEvents(tx, changes, execution.id, claims.map(({ job }) => ({ type: 'step.started', payload: { stepId: job.stepId, itemIndex: job.itemIndex, attempt: job.attempt } })));
  return claims;
}

/** The `advance` job: look at the execution again and do what is due; with a worker, claim what it has room for. */
export async function advance(deps: EngineDeps, executionId: string, workerId?: string, slots = 0): Promise<Claim[]> {
  return transaction(deps, async (tx, changes) => {
    const execution = await lockExecution(tx, executionId);
    if (!execution || !isLive(execution.status)) return [];
    return applyDecisions(deps, tx, changes, execution, workerId, slots);
  });
}
