import { hostname } from 'node:os';
import { attemptKey, type StepJob } from '../engine/advance.ts';
import { appendEvent, enqueue, lockExecution, QUEUES, transaction, type EngineDeps } from '../engine/transaction.ts';
import { newId } from '../store/ids.ts';
import type { InFlight } from '../engine/in-flight.ts';
import { DEAD_AFTER_MS } from '../engine/step-deps.ts';
import { failureLog } from './failure-log.ts';

const HEARTBEAT_MS = 2_000;
const SWEEP_MS = 5_000;

export interface Liveness {
  workerId: string;
  /** Gives back, now, the steps this worker claimed but no longer runs (a sweep runs every few seconds anyway). */
  sweep(): void;
  stop(): Promise<void>;
}

/** A worker process: its id, and the attempts it is running. */
interface Self {
  workerId: string;
  inFlight: InFlight;
}

/**
 * Steps left `running` by workers that stopped beating, and by this worker (`self`) when it no
 * longer runs them (their claim or record failed to commit: a lost connection, a database restart):
 * each runs again as a new attempt. Only a claimed row runs on a worker: a For each step's own row
 * is `running` on none while its items run, and is never an orphan.
 */
export async function recoverOrphans(deps: EngineDeps, self?: Self): Promise<number> {
  const rows = await deps.db.$queryRaw<{ execution_id: string; step_id: string; item_index: number; attempt: number; own: boolean }[]>`
    SELECT s.execution_id, s.step_id, s.item_index, s.attempt, COALESCE(s.worker_id = ${self?.workerId ?? null}, false) AS own FROM step_runs s
    JOIN executions e ON e.id = s.execution_id
    LEFT JOIN workers w ON w.id = s.worker_id
    WHERE s.status = 'running' AND s.worker_id IS NOT NULL AND e.status IN ('running', 'awaiting_approval')
      AND (w.id IS NULL OR w.heartbeat_at < now() - ${DEAD_AFTER_MS} * interval '1 millisecond' OR w.id = ${self?.workerId ?? null})`;
  // Checked after the read: an attempt registers before its claim commits, so one read as running
  // and not registered now has ended (its record, if it commits, makes the recovery below a no-op).
  const orphans = rows.filter((row) => !row.own || !self!.inFlight.has({ executionId: row.execution_id, stepId: row.step_id, itemIndex: row.item_index, attempt: row.attempt }));
  for (const orphan of orphans) {
    await transaction(deps, async (sql, changes) => {
      await lockExecution(sql, orphan.execution_id);
      // Someone else may have recovered or finished it meanwhile.
      const recovered = await sql.query(
        `UPDATE step_runs SET status = 'pending', attempt = attempt + 1, queued_at = now(), worker_id = NULL, reserved_tokens = 0, reserved_usd = 0
         WHERE execution_id = $1 AND step_id = $2 AND item_index = $3 AND status = 'running' AND attempt = $4 RETURNING id`,
        [orphan.execution_id, orphan.step_id, orphan.item_index, orphan.attempt],
      );
      if (recovered.length === 0) return;
      const job: StepJob = { executionId: orphan.execution_id, stepId: orphan.step_id, itemIndex: orphan.item_index, attempt: orphan.attempt + 1 };
      appendEvent(changes, orphan.execution_id, 'step.recovered', { stepId: orphan.step_id, itemIndex: orphan.item_index, attempt: job.attempt });
      enqueue(deps, sql, changes, QUEUES.step, job, attemptKey(job));
    });
  }
  return orphans.length;
}

/** Registers this worker process, keeps its heartbeat, and sweeps for orphaned steps. */
export async function startLiveness(deps: EngineDeps & { inFlight: InFlight }): Promise<Liveness> {
  const workerId = newId('wrk');
  await deps.db.worker.create({ data: { id: workerId, pid: process.pid, host: hostname() } });
  const self = { workerId, inFlight: deps.inFlight };
  const sweeping = failureLog('recovery sweep');
  const beating = failureLog('heartbeat');
  const sweep = () => void recoverOrphans(deps, self).then(sweeping.succeeded, sweeping.failed);
  const beat = setInterval(() => {
    void deps.db.worker.update({ where: { id: workerId }, data: { heartbeatAt: new Date() } }).then(beating.succeeded, beating.failed);
  }, HEARTBEAT_MS);
  const sweeps = setInterval(() => {
    sweep();
    void deps.db.worker.deleteMany({ where: { heartbeatAt: { lt: new Date(Date.now() - 10 * DEAD_AFTER_MS) } } }).catch(() => {});
  }, SWEEP_MS);
  beat.unref();
  sweeps.unref();
  sweep();
  return {
    workerId,
    sweep,
    async stop() {
      clearInterval(beat);
      clearInterval(sweeps);
      await deps.db.worker.delete({ where: { id: workerId } }).catch(() => {});
    },
  };
}
