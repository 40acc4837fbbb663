import { evaluate, isTruthy, parseExpression } from '../compiler/expression.ts';
import type { JsonValue, Plan, PlanStep } from '../compiler/plan.ts';
import { readPath, type RenderScope, type StepValue } from './render.ts';

/** What the engine knows of one step row (itemIndex -1) or For each item row (0…). */
export interface StepState {
  stepId: string;
  itemIndex: number;
  status: string;
  attempt: number;
  queued: boolean;
  output: string | null;
  outputJson: JsonValue;
  /** A reviewer's rejection reason, for the step's next run. */
  feedback: string | null;
}

/** A change the engine asks for; applying them is the caller's job (in one transaction). */
export type Action =
  | { kind: 'skip'; stepId: string }
  | { kind: 'await-approval'; stepId: string }
  | { kind: 'expand'; stepId: string; items: JsonValue[] }
  | { kind: 'enqueue'; stepId: string; itemIndex: number }
  | { kind: 'complete-for-each'; stepId: string; outputs: JsonValue[] }
  | { kind: 'fail-step'; stepId: string; error: string }
  | { kind: 'finish' }
  | { kind: 'fail'; error: string };

const TERMINAL = ['completed', 'skipped', 'failed', 'rejected', 'stopped'];

export const isTerminal = (status: string) => TERMINAL.includes(status);

/** Running, or queued to run: what may still spend, and settle what it reserved. */
export const isActive = (state: StepState) => state.status === 'running' || (state.status === 'pending' && state.queued);

/** A dependency lets its dependents run when it completed, was skipped, or failed with `On error: continue`. */
function satisfied(step: PlanStep, state: StepState): boolean {
  return state.status === 'completed' || state.status === 'skipped' || (state.status === 'failed' && step.onError === 'continue');
}

/** The value a later step sees of a finished step. */
export function stepValue(step: PlanStep, state: StepState): StepValue {
  const output = step.forEach || step.outputFormat === 'json' ? state.outputJson : state.output;
  return { status: state.status, output: output ?? '', forEach: Boolean(step.forEach) };
}

export function scopeOf(plan: Plan, states: Map<string, StepState>, inputs: Record<string, JsonValue>, executionId: string): RenderScope {
  const steps: Record<string, StepValue> = {};
  for (const step of plan.steps) {
    const state = states.get(key(step.id, -1));
    if (state) steps[step.id] = stepValue(step, state);
  }
  return { inputs, steps, workflow: { name: plan.name }, execution: { id: executionId } };
}

export const key = (stepId: string, itemIndex: number) => `${stepId}#${itemIndex}`;

/**
 * Decides what happens next from the plan and the current step states (pure). Skips and
 * fan-outs can make further steps ready, so it works on a copy until nothing changes.
 */
export function decide(plan: Plan, current: Map<string, StepState>, inputs: Record<string, JsonValue>, executionId: string): Action[] {
  const states = new Map([...current].map(([k, v]) => [k, { ...v }]));
  const actions: Action[] = [];
  const byId = new Map(plan.steps.map((step) => [step.id, step]));
  const top = (id: string) => states.get(key(id, -1))!;
  // A plan's limit of steps running at once (a recipe's parallel_limit); For each items count against their step's own.
  let active = plan.steps.filter((step) => !step.forEach && isActive(top(step.id))).length;

  for (let changed = true; changed; ) {
    changed = false;
    for (const step of plan.steps) {
      const state = top(step.id);
      if (step.forEach && state.status === 'running') {
        changed = fanOut(step, states, actions) || changed;
        continue;
      }
      if (state.status !== 'pending' || state.queued) continue;
      if (!step.dependsOn.every((id) => satisfied(byId.get(id)!, top(id)))) continue;

      // Only conditions and For each read values; most ready steps need no scope at all.
      const scope = step.condition || step.forEach ? scopeOf(plan, states, inputs, executionId) : undefined;
      if (step.condition) {
        const parsed = parseExpression(step.condition);
        const holds = 'expression' in parsed && isTruthy(evaluate(parsed.expression, (path) => readPath(path, scope!)));
        if (!holds) {
          actions.push({ kind: 'skip', stepId: step.id });
          state.status = 'skipped';
          changed = true;
          continue;
        }
      }
      if (!step.agent) {
        actions.push({ kind: 'await-approval', stepId: step.id });
        state.status = 'awaiting_approval';
        continue;
      }
      if (step.forEach) {
        const items = readPath(step.forEach, scope!);
        if (!Array.isArray(items)) {
          actions.push({ kind: 'fail-step', stepId: step.id, error: `For each: ${step.forEach} is not a list` });
          state.status = 'failed';
          changed = true;
          continue;
        }
        actions.push({ kind: 'expand', stepId: step.id, items: items as JsonValue[] });
        state.status = 'running';
        items.forEach((_, index) => states.set(key(step.id, index), { stepId: step.id, itemIndex: index, status: 'pending', attempt: 0, queued: false, output: null, outputJson: null, feedback: null }));
        changed = true;
        continue;
      }
      if (plan.maxParallel && active >= plan.maxParallel) continue;
      actions.push({ kind: 'enqueue', stepId: step.id, itemIndex: -1 });
      state.queued = true;
      active++;
    }
  }

  const failed = plan.steps.find((step) => {
    const status = top(step.id).status;
    return status === 'rejected' || (status === 'failed' && step.onError !== 'continue');
  });
  if (failed) actions.push({ kind: 'fail', error: `Step ${failed.id} ${top(failed.id).status}` });
  else if (plan.steps.every((step) => isTerminal(top(step.id).status))) actions.push({ kind: 'finish' });
  return actions;
}

/** Starts more items of a running For each step (up to its concurrency), or completes it. */
function fanOut(step: PlanStep, states: Map<string, StepState>, actions: Action[]): boolean {
  const items: StepState[] = [];
  for (let index = 0; states.has(key(step.id, index)); index++) items.push(states.get(key(step.id, index))!);
  if (items.every((item) => isTerminal(item.status))) {
    const parent = states.get(key(step.id, -1))!;
    const failedItem = items.find((item) => item.status === 'failed');
    if (failedItem) {
      actions.push({ kind: 'fail-step', stepId: step.id, error: `item ${failedItem.itemIndex} failed` });
      parent.status = 'failed';
    } else {
      const outputs = items.map((item) => (step.outputFormat === 'json' ? item.outputJson : item.output ?? ''));
      actions.push({ kind: 'complete-for-each', stepId: step.id, outputs });
      // With Approval, a person reviews all the items' outputs before anything downstream starts.
      parent.status = step.approval ? 'awaiting_approval' : 'completed';
      parent.outputJson = outputs;
    }
    return true;
  }
  let active = items.filter(isActive).length;
  for (const item of items) {
    if (step.concurrency !== null && active >= step.concurrency) break;
    if (item.status !== 'pending' || item.queued) continue;
    actions.push({ kind: 'enqueue', stepId: step.id, itemIndex: item.itemIndex });
    item.queued = true;
    active++;
  }
  return false;
}
