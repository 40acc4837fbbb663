import type { Boss } from '../boss.ts';
import type { Db, Tx } from '../db.ts';
import type { ExecutionStatus, Events } from '../events.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { PubSub } from '../pubsub.ts';

export const QUEUES = { advance: 'baton-advance', step: 'baton-step', refine: 'baton-refine' } as const;

/** The unique key of a step row: a step (itemIndex -1), or an item of a For each step (0…). */
export const stepRow = (executionId: string, stepId: string, itemIndex = -1) => ({ executionId_stepId_itemIndex: { executionId, stepId, itemIndex } });

/** An execution that still runs or waits for a person; the others (completed, failed, stopped) are finished. */
export const isLive = (status: string) => status === 'running' || status === 'awaiting_approval';

/** What one engine transaction changed, published only after it commits. */
export class Changes {
  readonly events: Events['executionEvent'][] = [];
  readonly updates: Events['executionUpdated'][] = [];
  readonly queues = new Set<string>();
}

export interface EngineDeps {
  db: Db;
  boss: Boss;
  pubsub: PubSub;
}

/** pg-boss runs its SQL on the engine's transaction, so a job exists exactly when the change that caused it commits. */
export function jobDb(tx: Tx) {
  return { executeSql: async (text: string, values: unknown[]) => ({ rows: await tx.$queryRawUnsafe<unknown[]>(text, ...values) }) };
}

/** Runs `work` in a transaction, then publishes its events and wakes the workers of the queues it used. */
export async function transaction<T>(deps: EngineDeps, work: (tx: Tx, changes: Changes) => Promise<T>): Promise<T> {
  const changes = new Changes();
  const result = await deps.db.$transaction((tx) => work(tx, changes), { timeout: 20_000, maxWait: 10_000 });
  // The change is committed: publishing is best effort. Events are stored (subscribers resume from
  // them) and workers poll as a backstop, so a pub/sub outage delays nothing for long and loses nothing.
  try {
    for (const event of changes.events) await deps.pubsub.publish('executionEvent', event.executionId, event);
    for (const update of changes.updates) await deps.pubsub.publish('executionUpdated', update.tenantId, update);
    for (const queue of changes.queues) await deps.pubsub.publish('jobsEnqueued', queue, { queue });
  } catch (error) {
    console.error('publishing engine events failed:', (error as Error).message);
  }
  return result;
}

/** The execution row, locked until the transaction ends: one writer per execution at a time. */
export async function lockExecution(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT id FROM executions WHERE id = ${id} FOR UPDATE`;
  return tx.execution.findUnique({ where: { id } });
}

/** Appends an event with the execution's next sequence number (one statement: it is on every path). */
export async function appendEvent(tx: Tx, changes: Changes, executionId: string, type: string, payload: Record<string, unknown>): Promise<void> {
  await appendEvents(tx, changes, executionId, [{ type, payload }]);
}

/** Appends events with consecutive sequence numbers, in one statement however many there are. */
export async function appendEvents(tx: Tx, changes: Changes, executionId: string, events: { type: string; payload: Record<string, unknown> }[]): Promise<void> {
  if (events.length === 0) return;
  const rows = await tx.$queryRaw<{ seq: number; created_at: Date }[]>`
    WITH next AS (UPDATE executions SET last_seq = last_seq + ${events.length} WHERE id = ${executionId} RETURNING last_seq)
    INSERT INTO execution_events (execution_id, seq, type, payload)
    SELECT ${executionId}, next.last_seq - ${events.length} + e.ord::int, e.type, e.payload
    FROM next, unnest(${events.map((event) => event.type)}::text[], ${events.map((event) => JSON.stringify(event.payload))}::jsonb[]) WITH ORDINALITY AS e(type, payload, ord)
    RETURNING seq, created_at`;
  rows.sort((a, b) => a.seq - b.seq);
  rows.forEach((row, index) => changes.events.push({ executionId, seq: row.seq, type: events[index].type, payload: events[index].payload, at: row.created_at.toISOString() }));
}

export async function setStatus(
  tx: Tx,
  changes: Changes,
  execution: { id: string; tenantId: string; workflowId: string },
  status: ExecutionStatus,
  data: Prisma.ExecutionUpdateInput = {},
): Promise<void> {
  const updated = await tx.execution.update({ where: { id: execution.id }, data: { ...data, status, updatedAt: new Date() } });
  await appendEvent(tx, changes, execution.id, `execution.${status}`, { status, ...(updated.error ? { error: updated.error } : {}) });
  changes.updates.push({ tenantId: execution.tenantId, executionId: execution.id, workflowId: execution.workflowId, status, at: updated.updatedAt.toISOString() });
}

/** Many jobs of one queue in one statement (a fan-out starts its items at once). */
export async function enqueueMany(deps: EngineDeps, tx: Tx, changes: Changes, queue: string, jobs: { data: object; singletonKey: string }[]): Promise<void> {
  if (jobs.length === 0) return;
  await deps.boss.insert(jobs.map((job) => ({ name: queue, ...job })), { db: jobDb(tx) });
  changes.queues.add(queue);
}

export async function enqueue(deps: EngineDeps, tx: Tx, changes: Changes, queue: string, data: object, singletonKey: string, startAfterSeconds = 0): Promise<void> {
  await deps.boss.send(queue, data, { singletonKey, db: jobDb(tx), ...(startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {}) });
  changes.queues.add(queue);
}
