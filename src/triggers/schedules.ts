import type { ModelRegistry } from '../compiler/models.ts';
import { BatonError } from '../errors.ts';
import type { Schedule } from '../generated/prisma/client.ts';
import { startExecution, startRecipeExecution, type StartDeps } from '../engine/start.ts';
import { notify } from '../engine/notify.ts';
import { transaction, type Sql } from '../engine/transaction.ts';
import type { Boss } from '../store/boss.ts';
import { cronProblem, fireAt, timezoneProblem } from './cron.ts';
import { syncRecipeSchedule } from '../library/schedules.ts';

/**
 * pg-boss 10 keys a schedule by the name of a queue (one schedule per queue), and fires it by
 * sending `{name, data, ...options}` (timekeeper.js). Each Baton schedule therefore has a queue of
 * its own (`baton-schedule.<id>`, which only anchors the schedule) and passes `name` in the options,
 * so every fire lands in one queue the workers consume: no poller per schedule. The schedules test
 * fires through the real scheduler, so a pg-boss that stops honouring this fails it.
 */
export const FIRE_QUEUE = 'baton-schedule-fire';
const anchorOf = (scheduleId: string) => `baton-schedule.${scheduleId}`;

export interface FireJob {
  scheduleId: string;
}

/** Registers (or re-registers) the schedule with pg-boss's scheduler; a disabled one is removed. */
export async function armSchedule(boss: Boss, schedule: Pick<Schedule, 'id' | 'cron' | 'timezone' | 'enabled'>): Promise<void> {
  if (!schedule.enabled) return disarmSchedule(boss, schedule.id);
  const anchor = anchorOf(schedule.id);
  await boss.createQueue(anchor, { name: anchor });
  const job: FireJob = { scheduleId: schedule.id };
  await boss.schedule(anchor, schedule.cron, job, { tz: schedule.timezone, name: FIRE_QUEUE } as Parameters<Boss['schedule']>[3]);
}

export async function disarmSchedule(boss: Boss, scheduleId: string): Promise<void> {
  const anchor = anchorOf(scheduleId);
  await boss.unschedule(anchor);
  await boss.deleteQueue(anchor);
}

export type FireDeps = StartDeps & { models: ModelRegistry };

export type FireOutcome =
  | { outcome: 'started'; executionId: string }
  | { outcome: 'duplicate' | 'disabled' | 'gone' | 'paused' }
  | { outcome: 'failed'; error: string };

class AlreadyFired extends Error {}

/** The fires since the schedule was last created, updated or resumed, newest first: whether each failed. */
async function consecutiveFailures(deps: FireDeps, schedule: Schedule): Promise<{ count: number; last?: string }> {
  const { rows } = await deps.pool.query<{ error: string | null; status: string | null; execution_error: string | null }>(
    `SELECT f.error, e.status, e.error AS execution_error FROM schedule_fires f LEFT JOIN executions e ON e.id = f.execution_id
     WHERE f.schedule_id = $1 AND f.created_at > $2 ORDER BY f.fire_at DESC LIMIT $3`,
    [schedule.id, schedule.updatedAt, schedule.maxFailures],
  );
  let count = 0;
  for (const row of rows) {
    if (row.error === null && row.status !== 'failed') break;
    count++;
  }
  return { count, last: rows[0]?.error ?? rows[0]?.execution_error ?? undefined };
}

/**
 * Pauses a schedule whose last `maxFailures` fires failed. The pause and its `schedule.paused`
 * notification commit together, and only the worker whose update paused it notifies.
 */
async function pauseIfFailing(deps: FireDeps, schedule: Schedule): Promise<boolean> {
  const failures = await consecutiveFailures(deps, schedule);
  if (failures.count < schedule.maxFailures) return false;
  const reason = `Paused after ${failures.count} consecutive failed scheduled runs${failures.last ? `; the last: ${failures.last.slice(0, 500)}` : ''}. A successful manual run or an update resumes it.`;
  const at = new Date();
  await transaction(deps, async (sql, changes) => {
    const paused = await sql.query(`UPDATE schedules SET paused_at = $2, paused_reason = $3 WHERE id = $1 AND paused_at IS NULL RETURNING id`, [schedule.id, at, reason]);
    if (!paused.length) return;
    const data = {
      schedule_id: schedule.id,
      workflow_id: schedule.workflowId,
      recipe_id: schedule.recipeId,
      cron: schedule.cron,
      timezone: schedule.timezone,
      consecutive_failures: failures.count,
      last_error: failures.last?.slice(0, 2000) ?? null,
      reason,
      paused_at: at.toISOString(),
    };
    notify(sql, changes, { tenantId: schedule.tenantId, event: 'schedule.paused', executionId: null, scheduleId: schedule.id, data, at });
  });
  console.warn(`schedule ${schedule.id}: ${reason}`);
  return true;
}

/** A paused schedule resumes once a manual run of its workflow or recipe has completed since the pause. */
async function resumedByManualRun(deps: FireDeps, schedule: Schedule): Promise<boolean> {
  const { rows } = await deps.pool.query(
    `SELECT 1 FROM executions WHERE tenant_id = $1 AND (workflow_id = $2 OR recipe_id = $3) AND triggered_by = 'manual' AND status = 'completed' AND completed_at > $4 LIMIT 1`,
    [schedule.tenantId, schedule.workflowId, schedule.recipeId, schedule.pausedAt],
  );
  if (!rows.length) return false;
  await deps.db.schedule.update({ where: { id: schedule.id }, data: { pausedAt: null, pausedReason: null, updatedAt: new Date() } });
  return true;
}

/**
 * One fire of a schedule, as its job arrives (at `at`): the fire time is the cron's latest at or
 * before then, claimed in the starting transaction (schedule_fires' primary key), so a fire starts
 * at most one execution however many workers receive it. A fire that cannot start (bad inputs, a
 * deleted workflow) is recorded as failed; enough failures in a row pause the schedule.
 */
export async function fireSchedule(deps: FireDeps, scheduleId: string, at = new Date()): Promise<FireOutcome> {
  let schedule = await deps.db.schedule.findUnique({ where: { id: scheduleId } });
  if (!schedule) return { outcome: 'gone' };
  if (!schedule.enabled) return { outcome: 'disabled' };
  if (schedule.pausedAt) {
    if (!(await resumedByManualRun(deps, schedule))) return { outcome: 'paused' };
    schedule = (await deps.db.schedule.findUnique({ where: { id: scheduleId } }))!;
  }
  if (await pauseIfFailing(deps, schedule)) return { outcome: 'paused' };
  const fire = fireAt(schedule.cron, schedule.timezone, at);
  const claim = async (sql: Sql, executionId: string) => {
    const claimed = await sql.query('INSERT INTO schedule_fires (schedule_id, fire_at, execution_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1', [schedule.id, fire, executionId]);
    if (!claimed.length) throw new AlreadyFired();
  };
  try {
    const options = { also: claim };
    const started = schedule.recipeId
      ? await startRecipeExecution(deps, schedule.tenantId, schedule.recipeId, schedule.inputs, 'cron', options)
      : await startExecution(deps, schedule.tenantId, schedule.workflowId!, schedule.inputs, 'cron', options);
    return { outcome: 'started', executionId: started.id };
  } catch (error) {
    if (error instanceof AlreadyFired) return { outcome: 'duplicate' };
    if (!(error instanceof BatonError)) throw error;
    const message = `${error.message}: ${error.detail}`;
    const recorded = await deps.pool.query('INSERT INTO schedule_fires (schedule_id, fire_at, error) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [schedule.id, fire, message]);
    if (!recorded.rowCount) return { outcome: 'duplicate' };
    await pauseIfFailing(deps, schedule);
    return { outcome: 'failed', error: message };
  }
}

/** Makes a recipe's schedule follow its schedule_config, after a create or an update. */
export async function applyRecipeSchedule(deps: Pick<FireDeps, 'db' | 'boss'>, recipe: { id: string; tenantId: string; scheduleConfig: unknown }): Promise<void> {
  const synced = await syncRecipeSchedule(deps.db, recipe.tenantId, recipe.id, recipe.scheduleConfig);
  if (!synced) return;
  if (synced.deleted) await disarmSchedule(deps.boss, synced.schedule.id);
  else await armSchedule(deps.boss, synced.schedule);
}

/**
 * At a worker's start: every recipe whose schedule_config is cron has its schedule (recipes saved
 * before schedules existed), and every enabled schedule is registered with pg-boss (idempotent).
 */
export async function reconcileSchedules(deps: Pick<FireDeps, 'db' | 'boss'>): Promise<void> {
  const unscheduled = await deps.db.recipe.findMany({ where: { schedule: null, scheduleConfig: { path: ['type'], equals: 'cron' } }, select: { id: true, tenantId: true, scheduleConfig: true } });
  for (const recipe of unscheduled) {
    const config = recipe.scheduleConfig as Record<string, unknown>;
    if (cronProblem(config.cron_expression) || (config.timezone !== undefined && config.timezone !== null && timezoneProblem(config.timezone))) {
      console.warn(`recipe ${recipe.id}: its schedule_config cron_expression ${JSON.stringify(config.cron_expression)} cannot be scheduled; save the recipe with a valid one`);
      continue;
    }
    await syncRecipeSchedule(deps.db, recipe.tenantId, recipe.id, config);
  }
  for (const schedule of await deps.db.schedule.findMany({ where: { enabled: true } })) await armSchedule(deps.boss, schedule);
}
