import type { Plan } from '../compiler/plan.ts';
import { didYouMean } from '../compiler/notes.ts';
import { ValidationError } from '../errors.ts';

/** Every step that depends on `stepId`, directly or not. */
export function downstream(plan: Plan, stepId: string): Set<string> {
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

/** Which steps of a fork run again and which keep what the execution forked from recorded (plan order). */
export interface ForkPlan {
  run: string[];
  reuse: string[];
}

/** A step's recorded end that a fork can keep: it completed, or its condition skipped it. */
const REUSABLE = new Set(['completed', 'skipped']);

/**
 * A fork from `fromStep` runs that step and everything depending on it, and every other step that did
 * not complete before (it failed, was stopped, or never ran); the rest keep their recorded outputs.
 * `statuses` are the source's steps (For each items excluded).
 */
export function planFork(plan: Plan, statuses: Map<string, string>, fromStep: string): ForkPlan {
  const ids = plan.steps.map((step) => step.id);
  const item = /^(.+)\[(\d+)\]$/.exec(fromStep);
  if (item && plan.steps.some((step) => step.id === item[1] && step.forEach)) {
    throw new ValidationError('Cannot fork from an item', `"${fromStep}" is one item of the For each step "${item[1]}": fork from "${item[1]}", which runs all its items again.`);
  }
  if (!ids.includes(fromStep)) throw new ValidationError('Unknown step', `The plan has no step "${fromStep}".${didYouMean(fromStep, ids)} Steps: ${ids.join(', ')}.`);
  const again = new Set([fromStep, ...downstream(plan, fromStep)]);
  const reuse = ids.filter((id) => !again.has(id) && REUSABLE.has(statuses.get(id) ?? 'pending'));
  return { run: ids.filter((id) => !reuse.includes(id)), reuse };
}

/** The step a retry forks from: the first (in plan order) that did not complete or get skipped; undefined when all did. */
export const firstUnfinished = (plan: Plan, statuses: Map<string, string>) => plan.steps.find((step) => !REUSABLE.has(statuses.get(step.id) ?? 'pending'))?.id;
