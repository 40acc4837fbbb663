import type { AgentResult } from '../agents/call.ts';
import { estimateCost } from '../agents/prices.ts';
import type { JsonValue } from '../compiler/plan.ts';
import type { ExecutionEventType } from '../store/events.ts';
import { applyDecisions, attemptKey, jsonb, STATE_COLUMNS, type Claim, type StepJob } from './advance.ts';
import { key, type StepState } from './decide.ts';
import { localWorker, type StepDeps } from './step-deps.ts';
import { hasCap } from './limits.ts';
import { executionSpend } from './budget.ts';
import { adopt, predictClaims, type EarlyAttempt } from './early-start.ts';
import { claimWorstCase } from './claim-local.ts';
import { appendEvent, enqueue, lockExecution, QUEUES, transactionSent, type Sql } from './transaction.ts';

/** What an attempt's model call came to: its answer (JSON parsed when asked for), or why it failed. */
export interface Outcome {
  result?: AgentResult;
  outputJson: JsonValue;
  failure?: string;
  /** A further request of the attempt did not fit its budgets: the step is ready again, not failed (engine/budget.ts). */
  outOfBudget?: boolean;
}

/** A transaction on its way: the steps it claimed for this worker, and its commit. */
export interface Sent {
  result: Claim[];
  committed: Promise<void>;
}

interface Waiting {
  claim: Claim;
  outcome: Outcome;
  early: EarlyAttempt[];
  resolve(sent: Sent): void;
  reject(error: unknown): void;
}

/** Per worker and execution, the records waiting for the one being written to be sent. */
const batches = new Map<string, Waiting[]>();

/**
 * Records an attempt and decides what runs next, in one transaction. Records of one execution that
 * arrive while another of its records is being written join its transaction while it still writes,
 * else the next one, together (the items of a fan-out finish at about the same time), so they don't
 * queue one by one on its lock.
 * Answers once COMMIT is sent; the steps the transaction claimed for this worker go to one caller,
 * less those `early` runs already (engine/early-start.ts).
 */
export function record(deps: StepDeps, claim: Claim, outcome: Outcome, early: EarlyAttempt[] = []): Promise<Sent> {
  const executionId = claim.job.executionId;
  const batch = `${deps.workerId}:${executionId}`;
  const busy = batches.has(batch);
  const waiting = batches.get(batch) ?? [];
  batches.set(batch, waiting);
  const sent = new Promise<Sent>((resolve, reject) => waiting.push({ claim, outcome, early, resolve, reject }));
  if (!busy) void writeBatches(deps, executionId, batch, waiting);
  return sent;
}

async function writeBatches(deps: StepDeps, executionId: string, batch: string, waiting: Waiting[]): Promise<void> {
  while (waiting.length > 0) {
    const entries = waiting.splice(0);
    try {
      // Records arriving while it is written may join it (`recordAll`): they are added to `entries`.
      const sent = await recordAll(deps, executionId, entries, waiting);
      entries.forEach((entry, index) => entry.resolve(index === 0 ? sent : { result: [], committed: sent.committed }));
    } catch (error) {
      for (const entry of entries) entry.reject(error);
    }
  }
  // In the same tick as the last check: a record arriving from now on starts the next writer.
  batches.delete(batch);
}

/** How one attempt's outcome is written: the row's new columns, the same change to its step state, its event, and its retry. */
interface Write {
  columns: Record<string, unknown>;
  after: Partial<StepState>;
  event?: [ExecutionEventType, Record<string, unknown>];
  retry?: { job: StepJob; delaySeconds: number };
}

function plan({ job, step }: Claim, { result, outputJson, failure, outOfBudget }: Outcome, now: Date): Write {
  const event = { stepId: job.stepId, itemIndex: job.itemIndex, attempt: job.attempt };
  // What it spent is recorded; it runs again when its budgets have room, or the execution ends.
  if (outOfBudget) return { columns: { status: 'pending', error: failure, queued_at: null }, after: { status: 'pending', queued: false } };
  if (failure === undefined) {
    const status = step.approval && job.itemIndex === -1 ? 'awaiting_approval' : 'completed';
    const json = outputJson === null ? {} : { output_json: jsonb(outputJson) };
    return {
      columns: { status, output: result!.text, error: null, completed_at: status === 'completed' ? now : null, ...json },
      after: { status, output: result!.text, ...(outputJson === null ? {} : { outputJson }) },
      event: [status === 'completed' ? 'step.completed' : 'step.awaiting_approval', event],
    };
  }
  if (job.attempt <= step.retries) {
    const delaySeconds = (step.retryDelayMs / 1000) * 2 ** (job.attempt - 1);
    return {
      columns: { status: 'pending', error: failure, attempt: job.attempt + 1, queued_at: now },
      after: { status: 'pending', attempt: job.attempt + 1, queued: true },
      event: ['step.retrying', { ...event, error: failure, delayMs: delaySeconds * 1000 }],
      retry: { job: { ...job, attempt: job.attempt + 1 }, delaySeconds },
    };
  }
  return { columns: { status: 'failed', error: failure, completed_at: now }, after: { status: 'failed' }, event: ['step.failed', { ...event, error: failure }] };
}

/** The claims the record of this outcome is expected to make for this worker, to start early (engine/early-start.ts). */
export function predictNext(deps: StepDeps, claim: Claim, outcome: Outcome): Claim[] {
  const { after } = plan(claim, outcome, new Date());
  if (after.status !== 'completed') return [];
  // Under a budget, what the record settles: the claim's reservation, less what was spent. Known when
  // nothing was reserved beyond the claim (one request, no tools).
  const { result } = outcome;
  const reserved = claim.budgeted && result && result.turns === 1 && claim.agent.tools.length === 0 ? claimWorstCase(deps.prices, claim) : undefined;
  const spent = reserved && usage(deps, claim, outcome);
  const settles = reserved && spent && { tokens: reserved.tokens - spent.tokens, usd: reserved.usd - spent.costUsd };
  return predictClaims(claim, after, deps.inFlight.room(), deps.prices, settles);
}

/**
 * Rounds of writes one transaction makes at most: records that arrive while its writes are out join
 * it in the next round, as long as they keep arriving, up to this many rounds (each a round trip
 * with the execution locked).
 */
const MAX_ROUNDS = 8;

function recordAll(deps: StepDeps, executionId: string, entries: Waiting[], waiting: Waiting[]): Promise<Sent> {
  const now = new Date();
  const writes: Planned[] = [];
  const adopted = new Set<EarlyAttempt>();
  const early = () => entries.flatMap((entry) => entry.early);
  const sent = transactionSent(deps, async (sql, changes): Promise<Claim[]> => {
    // One round of writes: each gives up when the execution has finished or its row no longer runs
    // that attempt (stopped, failed or superseded while the model ran). Writes of the same columns
    // (a fan-out's items) are one statement. A budgeted run's spend is read after them in the same
    // round trip, for the next claims' reservations.
    const round = (batch: Waiting[], read: boolean) => {
      const planned = batch.map(({ claim, outcome }): Planned => ({ claim, outcome, ...plan(claim, outcome, now), ...usage(deps, claim, outcome) }));
      writes.push(...planned);
      const groups = new Map<string, Planned[]>();
      for (const write of planned) {
        const names = Object.keys(write.columns).join();
        const group = groups.get(names);
        if (group) group.push(write);
        else groups.set(names, [write]);
      }
      const written = Promise.all([...groups.values()].map((group, index) => recordAttempts(sql, executionId, group, read && index === groups.size - 1)));
      const spent = writes.some((write) => write.claim.budgeted) ? executionSpend(sql, executionId) : undefined;
      spent?.catch(() => {});
      return { written, spent };
    };
    // The lock and the first writes go out together: they wait for the lock. The last statement
    // also reads the step states: it sees the statements before it, but not its own writes, which
    // `after` supplies. No other transaction changes them while this one holds the lock.
    const locked = lockExecution(sql, executionId);
    let last = round(entries, true);
    const [execution, first] = await Promise.all([locked, last.written]);
    const done = new Set(first.flatMap((each) => each.recorded));
    const states = first.at(-1)!.states!;
    // Records of this execution that arrived meanwhile join this transaction, which holds the lock:
    // a transaction of their own would wait for this one's commit before it could write them.
    for (let rounds = 1; execution && waiting.length > 0 && rounds < MAX_ROUNDS; rounds++) {
      const joining = waiting.splice(0);
      entries.push(...joining);
      last = round(joining, false);
      for (const each of await last.written) each.recorded.forEach((attempt) => done.add(attempt));
    }
    const recorded = writes.filter(({ claim: { job } }) => done.has(written(job.stepId, job.itemIndex, job.attempt)));
    if (!execution || recorded.length === 0) return [];
    const spent = changes.spent.get(executionId) ?? { tokens: 0, usd: 0 };
    for (const write of recorded) {
      spent.tokens += write.tokens;
      spent.usd += write.costUsd;
    }
    changes.spent.set(executionId, spent);
    // Calls ended: executions waiting for the tenant's limit are woken.
    if (hasCap(execution)) changes.freed.set(execution.tenantId, execution);
    for (const write of recorded) {
      Object.assign(states.get(key(write.claim.job.stepId, write.claim.job.itemIndex))!, write.after);
      if (write.event) appendEvent(changes, executionId, ...write.event);
      if (write.retry) enqueue(deps, sql, changes, QUEUES.step, write.retry.job, attemptKey(write.retry.job), write.retry.delaySeconds);
    }
    // A retry alone changes nothing to decide on.
    if (recorded.every((write) => write.retry)) return [];
    // The early attempts hold room of this worker's that their claims are made with.
    const worker = localWorker(deps);
    worker.slots += early().length;
    return adopt(early(), await applyDecisions(deps, sql, changes, execution, worker, states, await last.spent), adopted);
  });
  sent.then(
    ({ committed }) => early().forEach((each) => each.settle(adopted.has(each) ? committed : undefined)),
    () => early().forEach((each) => each.settle(undefined)),
  );
  return sent;
}

/** An attempt's outcome with the write it makes, and what it spent. */
type Planned = Write & { claim: Claim; outcome: Outcome } & ReturnType<typeof usage>;

/**
 * What an attempt spent: its usage (none if it failed before an answer), its billed tokens (input,
 * output and cache), and their cost at the price table's rates of the model that answered.
 */
function usage(deps: StepDeps, claim: Claim, { result }: Outcome) {
  if (!result) return { usage: { tokensIn: 0, tokensOut: 0, tokensCacheRead: 0, tokensCacheWrite: 0, turns: 0, toolCalls: [] }, modelId: null, tokens: 0, costUsd: 0 };
  // The offline model standing in for Claude is recorded as itself, at no cost.
  const modelId = result.model ?? claim.modelId;
  return { usage: result, modelId, tokens: result.tokensIn + result.tokensOut + result.tokensCacheRead + result.tokensCacheWrite, costUsd: estimateCost(deps.prices, modelId, result) };
}

/** Which attempt a record wrote. */
const written = (stepId: string, itemIndex: number, attempt: number) => `${key(stepId, itemIndex)}#${attempt}`;

/** The SQL types of the columns an outcome writes (see `plan`), for the arrays they are sent in. */
const COLUMN_TYPES: Record<string, string> = { status: 'text', output: 'text', error: 'text', completed_at: 'timestamptz', output_json: 'jsonb', attempt: 'int', queued_at: 'timestamptz' };

/**
 * Writes attempts' usage and outcomes (each with the same columns) on their rows in one statement,
 * where the execution is live and the row still runs that attempt; answers which attempts it wrote
 * (`written`). With `read`, the same statement reads the execution's step states (as they were
 * before its writes).
 */
async function recordAttempts(sql: Sql, executionId: string, writes: Planned[], read: boolean): Promise<{ recorded: string[]; states?: Map<string, StepState> }> {
  const names = Object.keys(writes[0].columns);
  const usages = writes.map((write) => write.usage);
  // The attempts' reservations are settled: their real usage takes their place.
  const update = `WITH v AS (
       SELECT * FROM unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::float8[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::jsonb[]
         ${names.map((name, index) => `, $${index + 13}::${COLUMN_TYPES[name]}[]`).join('')})
         AS v(step_id, item_index, attempt, model_id, cost_usd, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, turns, tool_calls${names.map((_, index) => `, c${index}`).join('')})
     ), recorded AS (
       UPDATE step_runs s SET model_id = COALESCE(v.model_id, s.model_id), cost_usd = s.cost_usd + v.cost_usd, tokens_in = s.tokens_in + v.tokens_in, tokens_out = s.tokens_out + v.tokens_out,
         tokens_cache_read = s.tokens_cache_read + v.tokens_cache_read, tokens_cache_write = s.tokens_cache_write + v.tokens_cache_write, turns = s.turns + v.turns, tool_calls = s.tool_calls || v.tool_calls,
         reserved_tokens = 0, reserved_usd = 0${names.map((name, index) => `, ${name} = v.c${index}`).join('')}
       FROM v WHERE s.execution_id = $1 AND s.step_id = v.step_id AND s.item_index = v.item_index AND s.attempt = v.attempt AND s.status = 'running'
         AND EXISTS (SELECT 1 FROM executions WHERE id = $1 AND status IN ('running', 'awaiting_approval'))
       RETURNING v.step_id, v.item_index, v.attempt
     )`;
  const rows = await sql.query<StepState & { recorded: number | null }>(
    read
      ? `${update} SELECT ${STATE_COLUMNS}, (SELECT r.attempt FROM recorded r WHERE r.step_id = s.step_id AND r.item_index = s.item_index) AS recorded FROM step_runs s WHERE execution_id = $1`
      : `${update} SELECT step_id AS "stepId", item_index AS "itemIndex", attempt AS recorded FROM recorded`,
    [
      executionId,
      writes.map(({ claim }) => claim.job.stepId),
      writes.map(({ claim }) => claim.job.itemIndex),
      writes.map(({ claim }) => claim.job.attempt),
      writes.map((write) => write.modelId),
      writes.map((write) => write.costUsd),
      usages.map((usage) => usage.tokensIn),
      usages.map((usage) => usage.tokensOut),
      usages.map((usage) => usage.tokensCacheRead),
      usages.map((usage) => usage.tokensCacheWrite),
      usages.map((usage) => usage.turns),
      usages.map((usage) => JSON.stringify(usage.toolCalls)),
      ...names.map((name) => writes.map((write) => write.columns[name])),
    ],
  );
  const recorded = rows.flatMap((row) => (row.recorded === null ? [] : [written(row.stepId, row.itemIndex, row.recorded)]));
  return { recorded, ...(read ? { states: new Map(rows.map(({ recorded: _, ...state }) => [key(state.stepId, state.itemIndex), state as StepState])) } : {}) };
}
