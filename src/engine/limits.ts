import type { Changes, Sql } from './transaction.ts';

/** What the engine knows of an execution's limits on running model calls when it locks it. */
export interface Capped {
  id: string;
  tenantId: string;
  workflowId: string | null;
  /** At most this many calls of its tenant's (workflow's) executions run at once; null: no limit. */
  tenantCap: number | null;
  workflowCap: number | null;
}

export const hasCap = (execution: Capped) => execution.tenantCap !== null || execution.workflowCap !== null;

/**
 * A tenant's own transaction lock, held until commit: the claims and reservations of its executions
 * are counted and written one transaction at a time, in every process. Taken after the execution's
 * row lock, always.
 */
export async function lockTenant(sql: Sql, tenantId: string): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtext('baton-tenant:' || $1))`, [tenantId]);
}

/** Model calls running now: claimed attempts (a For each step's own row runs none). */
const CALLING = `SELECT count(*)::int AS tenant, count(*) FILTER (WHERE e.workflow_id = $2)::int AS workflow
  FROM step_runs s JOIN executions e ON e.id = s.execution_id
  WHERE s.status = 'running' AND s.worker_id IS NOT NULL AND e.tenant_id = $1`;

/** How many more calls may start for this execution under its tenant's and workflow's limits (Infinity without one), under the tenant's lock. */
export async function callRoom(sql: Sql, execution: Capped): Promise<number> {
  if (!hasCap(execution)) return Infinity;
  await lockTenant(sql, execution.tenantId);
  const [calling] = await sql.query<{ tenant: number; workflow: number }>(CALLING, [execution.tenantId, execution.workflowId]);
  const left = [execution.tenantCap === null ? Infinity : execution.tenantCap - calling.tenant, execution.workflowCap === null ? Infinity : execution.workflowCap - calling.workflow];
  return Math.max(0, Math.min(...left));
}

/** The execution waits for a call of its tenant to end (see `wakeWaiting`). */
export function waitForRoom(sql: Sql, changes: Changes, execution: Capped): void {
  changes.write(sql.query(`INSERT INTO execution_waits (execution_id, tenant_id) VALUES ($1, $2) ON CONFLICT (execution_id) DO NOTHING`, [execution.id, execution.tenantId]));
}

/**
 * Calls of a capped tenant ended in this transaction: its executions that wait longest get an
 * `advance` each, as many as its limit now has room for (at least one: a workflow's own limit is
 * checked again when it advances).
 */
export async function wakeWaiting(sql: Sql, changes: Changes, execution: Capped, enqueueAdvance: (executionId: string) => void): Promise<void> {
  const room = execution.tenantCap === null ? 1 : Math.max(1, (await callRoom(sql, { ...execution, workflowCap: null })) - changes.claims.length);
  const woken = await sql.query<{ execution_id: string }>(
    `DELETE FROM execution_waits WHERE execution_id IN (SELECT execution_id FROM execution_waits WHERE tenant_id = $1 ORDER BY since LIMIT $2) RETURNING execution_id`,
    [execution.tenantId, Number.isFinite(room) ? room : 1],
  );
  for (const { execution_id: id } of woken) enqueueAdvance(id);
}

/**
 * The priority of a tenant's next queued steps: the queue serves higher first, so a tenant with k
 * steps running or queued puts its next behind every tenant with fewer. A burst of one tenant then
 * delays another's single step by at most the slot being freed.
 */
export async function queuePriority(sql: Sql, tenantId: string): Promise<number> {
  const [row] = await sql.query<{ busy: number }>(
    `SELECT count(*)::int AS busy FROM step_runs s JOIN executions e ON e.id = s.execution_id
     WHERE ((s.status = 'pending' AND s.queued_at IS NOT NULL) OR (s.status = 'running' AND s.worker_id IS NOT NULL)) AND e.tenant_id = $1`,
    [tenantId],
  );
  return -row.busy;
}
