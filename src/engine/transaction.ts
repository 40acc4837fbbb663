import type pg from 'pg';
import type { Boss } from '../store/boss.ts';
import type { Db } from '../store/db.ts';
import type { ExecutionEventType, ExecutionStatus, Events } from '../store/events.ts';
import type { PubSub } from '../store/pubsub.ts';
import type { Plan } from '../compiler/plan.ts';
import type { Spend } from './budget.ts';
import { wakeWaiting, type Capped } from './limits.ts';
import { traceExecutionEnd, type EndedExecution } from '../telemetry/execution-trace.ts';
import { activeTracer } from '../telemetry/tracer.ts';
import { tickWrites } from '../store/tick-writes.ts';
import { deliveriesOf, notifyStatus, writeDeliveries, type NotifyJob, type PendingNotification } from './notify.ts';

export const QUEUES = { advance: 'baton-advance', step: 'baton-step', refine: 'baton-refine', deadline: 'baton-deadline', recipeFinished: 'baton-recipe-finished', notify: 'baton-notify' } as const;

/** An open transaction of the engine: plain SQL on one pooled connection. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

/** An execution row as the engine reads it (locked). */
export interface ExecutionRow {
  id: string;
  tenantId: string;
  workflowId: string | null;
  recipeId: string | null;
  status: string;
  plan: unknown;
  inputs: unknown;
  stepsCompleted: number;
  version: number;
  refineStatus: string | null;
  output: string | null;
  outputType: string;
  triggeredBy: string;
  createdAt: Date;
  /** Whether its tenant has an enabled webhook endpoint: without one, a status change notifies no one and asks nothing more. */
  notifies: boolean;
  /** Its budget (null: none), and whether its tenant has daily or monthly limits (engine/budget.ts). */
  budgetTokens: number | null;
  budgetUsd: number | null;
  tenantBudgeted: boolean;
  /** Its tenant's and workflow's limits on running model calls (engine/limits.ts). */
  tenantCap: number | null;
  workflowCap: number | null;
}

/** An execution row with what its tenant and workflow set for it (`e`, `t`, `w`). */
const EXECUTION_COLUMNS = `e.id, e.tenant_id AS "tenantId", e.workflow_id AS "workflowId", e.recipe_id AS "recipeId", e.status, e.plan, e.inputs, e.steps_completed AS "stepsCompleted",
  e.version, e.refine_status AS "refineStatus", e.output, e.output_type AS "outputType", e.triggered_by AS "triggeredBy", e.created_at AS "createdAt",
  EXISTS (SELECT 1 FROM webhook_endpoints h WHERE h.tenant_id = e.tenant_id AND h.enabled) AS "notifies",
  e.budget_tokens AS "budgetTokens", e.budget_usd AS "budgetUsd",
  (t.budget_usd_per_day IS NOT NULL OR t.budget_usd_per_month IS NOT NULL OR t.budget_tokens_per_day IS NOT NULL) AS "tenantBudgeted",
  t.max_concurrent_calls AS "tenantCap", w.max_concurrent_calls AS "workflowCap"`;

/** An execution that still runs or waits for a person; the others (completed, failed, stopped) are finished. */
export const isLive = (status: string) => status === 'running' || status === 'awaiting_approval';

/** What one engine transaction changed, published only after it commits. */
export class Changes {
  readonly events: Events['executionEvent'][] = [];
  readonly updates: Events['executionUpdated'][] = [];
  readonly queues = new Set<string>();
  /** Queues that got jobs due later, and in how many milliseconds: their workers are woken then. */
  readonly later = new Map<string, Set<number>>();
  /** Events appended in this transaction, written together just before it commits. */
  readonly pending: { executionId: string; type: ExecutionEventType; payload: Record<string, unknown> }[] = [];
  /** Steps claimed for a worker (their new attempt is known under the lock), written with the events. */
  readonly claims: { executionId: string; stepId: string; itemIndex: number; prompt: string; workerId: string; at: Date; reserved: Spend }[] = [];
  /** Recipe executions this transaction finished: each gets its `recipeFinished` job in it. */
  readonly finished: string[] = [];
  /** Notifications for the tenants' webhook endpoints: each subscribed endpoint gets a delivery and its job in this transaction. */
  readonly notifications: PendingNotification[] = [];
  /** An execution's new count of finished steps, written with the events. */
  readonly stepsCompleted = new Map<string, number>();
  /**
   * What this transaction's records spent, per execution: added to its tenant's spend of the day
   * with the events, so that, like a deferred trigger's, the spend row is locked only while the
   * transaction commits (one write per transaction, however many attempts it records).
   */
  readonly spent = new Map<string, Spend>();
  /** Statements sent whose answers nobody waits for: the pipeline runs them in order, and the commit awaits them. */
  readonly writes: Promise<unknown>[] = [];
  /** Executions this transaction ended while steps of theirs may be running: their model calls are aborted in every process once it commits. */
  readonly stopped = new Set<string>();
  /** Executions this transaction finished, whose spans are emitted once it commits (when tracing). */
  readonly ended: EndedExecution[] = [];
  /** Tenants with a limit on running calls some of whose calls this transaction ended: their waiting executions are woken in it (engine/limits.ts). */
  readonly freed = new Map<string, Capped>();

  write(statement: Promise<unknown>): void {
    statement.catch(() => {});
    this.writes.push(statement);
  }
}

export interface EngineDeps {
  /** Prisma, for the engine's callers that read through it. */
  db: Db;
  /** The engine's own transactions run plain SQL on this pool (a statement through Prisma costs several times more). */
  pool: pg.Pool;
  boss: Boss;
  pubsub: PubSub;
}

/**
 * Sends a pg-boss call's statement on the engine's transaction, so a job exists exactly when the
 * change that caused it commits. pg-boss issues it synchronously, so it goes out now, ahead of COMMIT
 * in the pipeline; the commit awaits its answer.
 */
function sendJob(sql: Sql, changes: Changes, call: (db: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> }) => Promise<unknown>): void {
  let sent = false;
  changes.write(call({ executeSql: async (text, values) => ((sent = true), { rows: await sql.query(text, values) }) }));
  if (!sent) throw new Error('pg-boss did not send its statement at once, so it cannot join the transaction');
}

/** Names of the engine's statements by text: each connection prepares each statement once, so the server neither parses nor plans it again. */
const statementNames = new Map<string, string>();
/** The engine's statement texts are a small fixed set (no values inlined); past this bound, statements go unnamed. */
const MAX_STATEMENTS = 500;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_STATEMENTS) statementNames.set(text, (name = `baton_${statementNames.size}`));
  return name;
}

/**
 * Runs `work` in a transaction on one connection, writes the events it appended, commits, then
 * publishes the events and wakes the workers of the queues it used.
 */
export async function transaction<T>(deps: EngineDeps, work: (sql: Sql, changes: Changes) => Promise<T>): Promise<T> {
  const { result, committed } = await transactionSent(deps, work);
  await committed;
  return result;
}

/**
 * `transaction`, answering as soon as `work` is done and COMMIT is on its way, so the caller can
 * start what the result names while the commit completes. `committed` settles when it has committed
 * and published (rejects if it did not commit). The pool pipelines (db.ts): BEGIN goes out with the
 * first statement of `work`, and the deferred writes with COMMIT.
 */
export async function transactionSent<T>(deps: EngineDeps, work: (sql: Sql, changes: Changes) => Promise<T>): Promise<{ result: T; committed: Promise<void> }> {
  const changes = new Changes();
  const client = await deps.pool.connect();
  // A connection lost mid-transaction fails its queries; unheard, its 'error' event would end the process.
  const lost = () => {};
  client.on('error', lost);
  const release = () => {
    client.off('error', lost);
    client.release();
  };
  const send = tickWrites(client);
  const sql: Sql = { query: async <R>(text: string, values?: unknown[]) => (await send({ name: statementName(text), text, values })).rows as R[] };
  const rollback = async (error: unknown): Promise<never> => {
    await send('ROLLBACK').catch(() => {});
    release();
    throw error;
  };
  let result: T;
  try {
    const begin = send('BEGIN');
    begin.catch(() => {});
    result = await work(sql, changes);
    // Enqueued with the change that finished the execution: never lost, and one per execution (its singleton key).
    for (const executionId of changes.finished) enqueue(deps, sql, changes, QUEUES.recipeFinished, { executionId }, executionId);
    if (changes.notifications.length) await queueDeliveries(deps, sql, changes);
    for (const execution of changes.freed.values()) await wakeWaiting(sql, changes, execution, (id) => enqueue(deps, sql, changes, QUEUES.advance, { executionId: id }, id));
    await begin;
  } catch (error) {
    return rollback(error);
  }
  const written = Promise.all([...changes.writes, writeEvents(sql, changes)]);
  const commit = send('COMMIT');
  const committed = (async () => {
    try {
      await written;
      await commit;
    } catch (error) {
      commit.catch(() => {});
      return rollback(error);
    }
    release();
    await publish(deps, changes);
    changes.ended.forEach(traceExecutionEnd);
  })();
  committed.catch(() => {});
  return { result, committed };
}

/**
 * The deliveries of the transaction's notifications and their jobs, written in it: a notification
 * exists exactly when its change commits. A delivery's id is its job's singleton key, so however
 * often a change notifies (an execution awaits approval twice), each delivery has one job.
 */
async function queueDeliveries(deps: EngineDeps, sql: Sql, changes: Changes): Promise<void> {
  const deliveries = await deliveriesOf(changes.notifications);
  if (!deliveries.length) return;
  writeDeliveries(sql, changes, deliveries);
  enqueueMany(deps, sql, changes, QUEUES.notify, deliveries.map((delivery) => ({ data: { deliveryId: delivery.id, round: 0 } satisfies NotifyJob, singletonKey: `${delivery.id}:0` })));
}

/** After the commit, publishing is best effort (PubSub.publish never rejects): events are stored
 * (subscribers resume from them) and workers poll as a backstop, so an outage loses nothing. */
async function publish(deps: EngineDeps, changes: Changes): Promise<void> {
  for (const event of changes.events) await deps.pubsub.publish('executionEvent', event.executionId, event);
  for (const update of changes.updates) await deps.pubsub.publish('executionUpdated', update.tenantId, update);
  for (const queue of changes.queues) await deps.pubsub.publish('jobsEnqueued', queue, { queue });
  for (const [queue, delays] of changes.later) for (const delayMs of delays) await deps.pubsub.publish('jobsEnqueued', queue, { queue, delayMs });
  for (const executionId of changes.stopped) await deps.pubsub.publish('executionStopped', 'all', { executionId });
}

/** The execution row, locked until the transaction ends: one writer per execution at a time. */
export async function lockExecution(sql: Sql, id: string): Promise<ExecutionRow | undefined> {
  const [row] = await sql.query<ExecutionRow>(
    `SELECT ${EXECUTION_COLUMNS} FROM executions e JOIN tenants t ON t.id = e.tenant_id LEFT JOIN workflows w ON w.id = e.workflow_id WHERE e.id = $1 FOR UPDATE OF e`,
    [id],
  );
  return row;
}

/** Appends an event; it gets the execution's next sequence number when the transaction commits. */
export function appendEvent(changes: Changes, executionId: string, type: ExecutionEventType, payload: Record<string, unknown>): void {
  changes.pending.push({ executionId, type, payload });
}

/**
 * The transaction's deferred writes, one statement per execution: its events (numbered in the order
 * they were appended), its steps claimed for a worker, its count of finished steps, and what its
 * attempts spent (on its tenant's day, in the execution's shard: concurrent executions' commits
 * seldom wait for each other; readers sum the shards).
 */
function writeEvents(sql: Sql, changes: Changes): Promise<unknown> {
  const ids = new Set([...changes.pending.map((event) => event.executionId), ...changes.claims.map((claim) => claim.executionId), ...changes.stepsCompleted.keys(), ...changes.spent.keys()]);
  // Sent together (the connection pipelines), before COMMIT.
  return Promise.all(
    [...ids].map(async (executionId) => {
      const events = changes.pending.filter((event) => event.executionId === executionId);
      const claims = changes.claims.filter((claim) => claim.executionId === executionId);
      const spent = changes.spent.get(executionId) ?? { tokens: 0, usd: 0 };
      const rows = await sql.query<{ seq: number; created_at: Date }>(
        `WITH claimed AS (
           UPDATE step_runs AS r SET attempt = r.attempt + 1, queued_at = c.at, status = 'running', prompt = c.prompt, worker_id = c.worker_id, started_at = c.at,
             reserved_tokens = c.reserved_tokens, reserved_usd = c.reserved_usd
           FROM unnest($5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[], $11::int[], $12::float8[]) AS c(step_id, item_index, prompt, worker_id, at, reserved_tokens, reserved_usd)
           WHERE r.execution_id = $1 AND r.step_id = c.step_id AND r.item_index = c.item_index
         ), next AS (
           UPDATE executions SET last_seq = last_seq + $2, steps_completed = COALESCE($10::int, steps_completed) WHERE id = $1 RETURNING last_seq, tenant_id
         ), spent AS (
           INSERT INTO tenant_spend_days AS d (tenant_id, day, shard, usd, tokens)
           SELECT next.tenant_id, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', hashtext($1) & 7, $13::float8, $14::bigint FROM next WHERE $13::float8 <> 0 OR $14::bigint <> 0
           ON CONFLICT (tenant_id, day, shard) DO UPDATE SET usd = d.usd + EXCLUDED.usd, tokens = d.tokens + EXCLUDED.tokens
         )
         INSERT INTO execution_events (execution_id, seq, type, payload)
         SELECT $1, next.last_seq - $2 + e.ord::int, e.type, e.payload
         FROM next, unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS e(type, payload, ord)
         RETURNING seq, created_at`,
        [
          executionId,
          events.length,
          events.map((event) => event.type),
          events.map((event) => JSON.stringify(event.payload)),
          claims.map((claim) => claim.stepId),
          claims.map((claim) => claim.itemIndex),
          claims.map((claim) => claim.prompt),
          claims.map((claim) => claim.workerId),
          claims.map((claim) => claim.at),
          changes.stepsCompleted.get(executionId) ?? null,
          claims.map((claim) => claim.reserved.tokens),
          claims.map((claim) => claim.reserved.usd),
          spent.usd,
          spent.tokens,
        ],
      );
      rows.sort((a, b) => a.seq - b.seq);
      rows.forEach((row, index) => changes.events.push({ executionId, seq: row.seq, type: events[index].type, payload: events[index].payload, at: row.created_at.toISOString() }));
    }),
  );
}

/** What a status change may also set on the execution. */
export interface StatusData {
  error?: string;
  completedAt?: Date;
  output?: string;
  version?: number;
  stepsCompleted?: number;
}

const STATUS_COLUMNS: Record<keyof StatusData, string> = { error: 'error', completedAt: 'completed_at', output: 'output', version: 'version', stepsCompleted: 'steps_completed' };

/**
 * Changes an execution's status (and what `data` sets with it); sent now, awaited at commit. The
 * tenant's webhook endpoints are notified of it.
 */
export function setStatus(
  sql: Sql,
  changes: Changes,
  execution: Pick<ExecutionRow, 'id' | 'tenantId' | 'workflowId' | 'recipeId'> & Partial<Pick<ExecutionRow, 'plan' | 'triggeredBy' | 'notifies' | 'createdAt'>>,
  status: ExecutionStatus,
  data: StatusData = {},
): void {
  const at = new Date();
  const entries = Object.entries(data).filter(([, value]) => value !== undefined) as [keyof StatusData, unknown][];
  const sets = entries.map(([name], index) => `${STATUS_COLUMNS[name]} = $${index + 4}`);
  changes.write(
    sql.query(`UPDATE executions SET status = $2, updated_at = $3${sets.map((set) => `, ${set}`).join('')} WHERE id = $1`, [execution.id, status, at, ...entries.map(([, value]) => value)]),
  );
  appendEvent(changes, execution.id, `execution.${status}`, { status, ...(data.error ? { error: data.error } : {}) });
  if (execution.recipeId && !isLive(status)) changes.finished.push(execution.id);
  if (!isLive(status) && execution.createdAt && activeTracer()) {
    changes.ended.push({
      executionId: execution.id,
      name: (execution.plan as Plan | undefined)?.name ?? 'execution',
      status: status as EndedExecution['status'],
      error: data.error,
      startedAt: execution.createdAt,
      attributes: {
        'baton.tenant.id': execution.tenantId,
        'baton.execution.trigger': execution.triggeredBy ?? 'manual',
        ...(execution.recipeId ? { 'baton.recipe.id': execution.recipeId } : {}),
        ...(execution.workflowId ? { 'baton.workflow.id': execution.workflowId } : {}),
      },
    });
  }
  changes.updates.push({ tenantId: execution.tenantId, executionId: execution.id, workflowId: execution.workflowId, recipeId: execution.recipeId, status, at: at.toISOString() });
  if (execution.notifies !== false) notifyStatus(sql, changes, execution, status, { at: data.completedAt ?? at, error: data.error, output: data.output, stepsCompleted: data.stepsCompleted });
}

/** Many jobs of one queue in one statement (a fan-out starts its items at once). */
export function enqueueMany(deps: EngineDeps, sql: Sql, changes: Changes, queue: string, jobs: { data: object; singletonKey: string; priority?: number }[]): void {
  if (jobs.length === 0) return;
  sendJob(sql, changes, (db) => deps.boss.insert(jobs.map((job) => ({ name: queue, ...job })), { db }));
  changes.queues.add(queue);
}

export function enqueue(deps: EngineDeps, sql: Sql, changes: Changes, queue: string, data: object, singletonKey: string, startAfterSeconds = 0): void {
  sendJob(sql, changes, (db) => deps.boss.send(queue, data, { singletonKey, db, ...(startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {}) }));
  if (startAfterSeconds > 0) changes.later.set(queue, (changes.later.get(queue) ?? new Set()).add(startAfterSeconds * 1000));
  else changes.queues.add(queue);
}
