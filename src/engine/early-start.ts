import type { JsonValue, Plan } from '../compiler/plan.ts';
import type { Claim } from './advance.ts';
import type { PriceTable } from '../agents/prices.ts';
import { hasBudget, type Room, type Spend } from './budget.ts';
import { claimWorstCase, nextAttempt } from './claim-local.ts';
import { decide, isActive, key, type StepState } from './decide.ts';
import { hasCap } from './limits.ts';
import type { ExecutionRow } from './transaction.ts';

/**
 * Starting the next steps early. What a step's record will claim next is, in a chain, plain from
 * what that step's own claim saw: the same states, with this step now finished. Waiting for the
 * record (the execution's lock, the write and the read of the states: a database round trip) before
 * sending the next request would put that round trip between every two model calls. So the worker
 * predicts the record's claims from the snapshot its claim left and starts their model calls at
 * once, and the record runs as always: it decides from the states it reads under the lock and adopts
 * each early attempt that is exactly one of its claims (the same attempt, prompt, model and budget).
 * An early attempt the record does not claim (something else changed the execution meanwhile: a
 * stop) is aborted before anything of it is published or recorded: like every claim's, its text is
 * held until its claim commits; but its request has gone out, so predictions are made only where
 * they hold: when the step was all its execution was doing (nothing else running, queued or
 * awaiting approval, so no other record can change what comes next), and when the record would do
 * nothing but start steps. Not under a call limit or a workspace budget (other executions take from
 * those). Under the execution's own budget only when what the record will settle is known (one
 * request, no tools: nothing was reserved beyond the claim) and the next steps' worst cases fit in
 * what the snapshot's transaction left, plus what the record gives back of the claim's reservation:
 * exactly the room the record will find.
 */
export interface Snapshot {
  execution: ExecutionRow;
  states: Map<string, StepState>;
  /** What the execution's budgets had left after that transaction's claims, if budgets bind it. */
  room?: Room;
}

/**
 * The claims the record of `claim` will make for this worker once the step is `after` (its finished
 * state), predicted from the claim's snapshot: none when anything else is due, or when they exceed
 * `slots`. `settles`: what the record gives back to the budgets (the claim's reservation less what
 * the attempt spent), if known.
 */
export function predictClaims(claim: Claim, after: Partial<StepState>, slots: number, prices: PriceTable, settles: Spend | undefined): Claim[] {
  const snapshot = claim.snapshot;
  // A For each item is never all its execution is doing (its step runs beside it): answered at once,
  // rather than by scanning the states for each of a wide fan-out's items.
  if (!snapshot || claim.job.itemIndex >= 0 || hasCap(snapshot.execution) || snapshot.execution.tenantBudgeted) return [];
  const { execution } = snapshot;
  const budgeted = hasBudget(execution);
  const room = budgeted && settles ? snapshot.room?.copy() : undefined;
  if (budgeted && (!room || room.take({ tokens: -settles!.tokens, usd: -settles!.usd }))) return [];
  const own = key(claim.job.stepId, claim.job.itemIndex);
  if ([...snapshot.states].some(([name, state]) => name !== own && (isActive(state) || state.status === 'awaiting_approval'))) return [];
  const states = new Map([...snapshot.states].map(([name, state]) => [name, { ...state }]));
  Object.assign(states.get(own)!, after);
  const actions = decide(execution.plan as Plan, states, execution.inputs as Record<string, JsonValue>, execution.id);
  if (actions.length > slots || actions.some((action) => action.kind !== 'enqueue')) return [];
  const claims = actions.flatMap((action) => (action.kind === 'enqueue' ? [nextAttempt(execution, states, action.stepId, action.itemIndex, budgeted)] : []));
  // Dollars are summed in another order by PostgreSQL: a billionth of one to spare.
  const fits = (next: Claim) => {
    const worst = claimWorstCase(prices, next);
    return !room!.take({ tokens: worst.tokens, usd: worst.usd + 1e-9 });
  };
  return !room || claims.every(fits) ? claims : [];
}

/** An attempt started before the record that claims it: `claimed` settles once that record has committed, and rejects if it claimed something else. */
export interface EarlyAttempt {
  claim: Claim;
  claimed: Promise<void>;
  settle(committed: Promise<void> | undefined): void;
}

export function earlyAttempt(claim: Claim): EarlyAttempt {
  let settle!: EarlyAttempt['settle'];
  const claimed = new Promise<void>((resolve, reject) => {
    settle = (committed) => (committed ? resolve(committed) : reject(new Error('the record claimed other steps')));
  });
  claimed.catch(() => {});
  return { claim, claimed, settle };
}

const same = (a: Claim, b: Claim) =>
  a.job.executionId === b.job.executionId &&
  a.job.stepId === b.job.stepId &&
  a.job.itemIndex === b.job.itemIndex &&
  a.job.attempt === b.job.attempt &&
  a.prompt === b.prompt &&
  a.modelId === b.modelId &&
  a.budgeted === b.budgeted;

/**
 * The record's claims less those an early attempt runs already; each of those is added to `adopted`
 * and takes the record's snapshot (to start the step after it early in turn).
 */
export function adopt(early: EarlyAttempt[], claims: Claim[], adopted: Set<EarlyAttempt>): Claim[] {
  if (!early.length) return claims;
  return claims.filter((claim) => {
    const match = early.find((each) => !adopted.has(each) && same(each.claim, claim));
    if (!match) return true;
    match.claim.snapshot = claim.snapshot;
    adopted.add(match);
    return false;
  });
}
