import type { Boss } from '../boss.ts';
import type { Db, Tx } from '../db.ts';
import type { ExecutionStatus, Events } from '../events.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { PubSub } from '../pubsub.ts';

export const QUEUES = { advance: 'baton-advance', step: 'baton-step' } as const;

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

/** Appends an event with the execution's next sequence number. */
export async function appendEvent(tx: Tx, changes: Changes, executionId: string, type: string, payload: Record<string, unknown>): Promise<void> {
  const [{ last_seq: seq }] = await tx.$queryRaw<{ last_seq: number }[]>`UPDATE executions SET last_seq = last_seq + 1 WHERE id = ${executionId} RETURNING last_seq`;
  const event = await tx.executionEvent.create({ data: { executionId, seq, type, payload: payload as Prisma.InputJsonValue } });
  changes.events.push({ executionId, seq, type, payload, at: event.createdAt.toISOString() });
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

export async function enqueue(deps: EngineDeps, tx: Tx, changes: Changes, queue: string, data: object, singletonKey: string, startAfterSeconds = 0): Promise<void> {
  await deps.boss.send(queue, data, { singletonKey, db: jobDb(tx), ...(startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {}) });
  changes.queues.add(queue);
}
