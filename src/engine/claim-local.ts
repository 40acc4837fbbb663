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

/**
 * Claims steps for this worker (written with the transaction's events) and says what to send the
 * model for each. With a `room`, each claim reserves its worst case; a step that does not fit stays
 * ready, unclaimed, and `short` names the budget it does not fit.
 */
export function claimLocally(changes: Changes, execution: ExecutionRow, states: Map<string, StepState>, entries: { stepId: string; itemIndex: number }[], worker: LocalWorker, now: Date, room?: Room) {
  const plan = execution.plan as Plan;
  const inputs = execution.inputs as Record<string, JsonValue>;
  let short: string | undefined;
  const claims = entries.flatMap(({ stepId, itemIndex }): Claim[] => {
    const step = plan.steps.find((s) => s.id === stepId)!;
    const agent = plan.agents.find((a) => a.id === step.agent)!;
    const prompt = stepPrompt(plan, step, states, inputs, execution.id, itemIndex);
    const modelId = step.modelId ?? agent.modelId;
    const reserved = room ? claimWorstCase(worker.prices, { agent, prompt, modelId }) : NOTHING;
    const limit = room?.take(reserved);
    if (limit) {
      short ??= limit;
      return [];
    }
    // The execution is locked, so the row's next attempt is known without asking.
    const state = states.get(key(stepId, itemIndex))!;
    const attempt = state.attempt + 1;
    Object.assign(state, { attempt, status: 'running' });
    changes.claims.push({ executionId: execution.id, stepId, itemIndex, prompt, workerId: worker.id, at: now, reserved });
    appendEvent(changes, execution.id, 'step.started', { stepId, itemIndex, attempt });
    return [{ job: { executionId: execution.id, stepId, itemIndex, attempt }, tenantId: execution.tenantId, step, agent, prompt, modelId, budgeted: room !== undefined }];
  });
  return { claims, short };
}
