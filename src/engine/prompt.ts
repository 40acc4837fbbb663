import type { JsonValue, Plan, PlanStep } from '../compiler/plan.ts';
import { key, scopeOf, type StepState } from './decide.ts';
import { renderText } from './render.ts';

function jsonInstruction(step: PlanStep): string {
  const shape = step.outputSchema === null ? '' : ` of this shape:\n\n${JSON.stringify(step.outputSchema, null, 2)}`;
  return `\n\nAnswer with one JSON value only${shape}`;
}

/**
 * The prompt a step (or For each item) is sent: its text with templates rendered, a reviewer's
 * feedback when it runs again after a rejection, and how to answer when the output is JSON.
 */
export function stepPrompt(plan: Plan, step: PlanStep, states: Map<string, StepState>, inputs: Record<string, JsonValue>, executionId: string, itemIndex: number): string {
  const scope = scopeOf(plan, states, inputs, executionId);
  if (itemIndex >= 0) {
    const items = states.get(key(step.id, -1))!.outputJson as JsonValue[];
    Object.assign(scope, { item: items[itemIndex], index: itemIndex });
  }
  const feedback = states.get(key(step.id, itemIndex))?.feedback;
  const revision = feedback ? `\n\nA reviewer rejected the previous result of this step, saying:\n\n${feedback}\n\nDo the step again, taking this into account.` : '';
  return renderText(step.prompt, scope) + revision + (step.outputFormat === 'json' ? jsonInstruction(step) : '');
}
