import type { PriceTable } from '../agents/prices.ts';
import type { JsonValue, Plan } from '../compiler/plan.ts';
import type { Claim } from './advance.ts';
import { worstCase, type Room, type Spend } from './budget.ts';
import { key, type StepState } from './decide.ts';
import { stepPrompt } from './prompt.ts';
import { appendEvent, type Changes, type ExecutionRow } from './transaction.ts';

/** The worker process an engine transaction claims ready steps for: its id, how many it has room for, and the prices its reservations are costed at. */
export interface LocalWorker {
  id: string;
  slots: number;
  prices: PriceTable;
}

/** The worst case of a claimed step's first model call (engine/budget.ts). */
export const claimWorstCase = (prices: PriceTable, claim: Pick<Claim, 'agent' | 'prompt' | 'modelId'>): Spend =>
  worstCase(prices, claim.modelId, claim.agent.systemPrompt + claim.prompt, claim.agent.maxTokens);

const NOTHING: Spend = { tokens: 0, usd: 0 };

/** A ready step's (or item's) next attempt as `states` stand: the attempt, and what to send the model. */
export function nextAttempt(execution: ExecutionRow, states: Map<string, StepState>, stepId: string, itemIndex: number, budgeted: boolean): Claim {
  const plan = execution.plan as Plan;
  const step = plan.steps.find((s) => s.id === stepId)!;
  const agent = plan.agents.find((a) => a.id === step.agent)!;
  const prompt = stepPrompt(plan, step, states, execution.inputs as Record<string, JsonValue>, execution.id, itemIndex);
  const attempt = states.get(key(stepId, itemIndex))!.attempt + 1;
  return { job: { executionId: execution.id, stepId, itemIndex, attempt }, tenantId: execution.tenantId, step, agent, prompt, modelId: step.modelId ?? agent.modelId, budgeted };
}

/**
 * Claims steps for this worker (written with the transaction's events) and says what to send the
 * model for each. With a `room`, each claim reserves its worst case; a step that does not fit stays
 * ready, unclaimed, and `short` names the budget it does not fit. Each claim carries the row and the
 * states as this transaction leaves them (its `snapshot`, engine/early-start.ts).
 */
export function claimLocally(changes: Changes, execution: ExecutionRow, states: Map<string, StepState>, entries: { stepId: string; itemIndex: number }[], worker: LocalWorker, now: Date, room?: Room) {
  let short: string | undefined;
  const claims = entries.flatMap(({ stepId, itemIndex }): Claim[] => {
    // The execution is locked, so the row's next attempt is known without asking.
    const claim = nextAttempt(execution, states, stepId, itemIndex, room !== undefined);
    const reserved = room ? claimWorstCase(worker.prices, claim) : NOTHING;
    const limit = room?.take(reserved);
    if (limit) {
      short ??= limit;
      return [];
    }
    Object.assign(states.get(key(stepId, itemIndex))!, { attempt: claim.job.attempt, status: 'running' });
    changes.claims.push({ executionId: execution.id, stepId, itemIndex, prompt: claim.prompt, workerId: worker.id, at: now, reserved });
    appendEvent(changes, execution.id, 'step.started', { stepId, itemIndex, attempt: claim.job.attempt });
    return [{ ...claim, snapshot: { execution, states, room } }];
  });
  return { claims, short };
}
