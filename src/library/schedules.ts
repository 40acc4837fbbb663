import type { Schedule } from '../generated/prisma/client.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { cronProblem, timezoneProblem } from '../triggers/cron.ts';
import { findWorkflow } from './workflows.ts';

export const scheduleNotFound = (id: string) => new NotFoundError('Schedule not found', `No schedule with ID ${id.slice(0, 100)} exists for this tenant`);

export interface ScheduleFields {
  cron: string;
  timezone: string;
  inputs: Record<string, unknown>;
  enabled: boolean;
  maxFailures: number;
}

export const DEFAULT_MAX_FAILURES = 5;

/** Every problem of the given fields at once, each naming its field. */
export function scheduleProblems(fields: Partial<ScheduleFields>): string[] {
  const problems: string[] = [];
  if (fields.cron !== undefined) {
    const problem = cronProblem(fields.cron);
    if (problem) problems.push(`cron: ${problem}`);
  }
  if (fields.timezone !== undefined) {
    const problem = timezoneProblem(fields.timezone);
    if (problem) problems.push(`timezone: ${problem}`);
  }
  if (fields.inputs !== undefined && (fields.inputs === null || typeof fields.inputs !== 'object' || Array.isArray(fields.inputs))) problems.push('inputs: the inputs are an object of input names to values');
  if (fields.maxFailures !== undefined && (!Number.isInteger(fields.maxFailures) || fields.maxFailures < 1 || fields.maxFailures > 1000)) {
    problems.push(`maxFailures: the number of consecutive failed runs before the schedule pauses is an integer from 1 to 1000, not ${fields.maxFailures}`);
  }
  return problems;
}

function check(fields: Partial<ScheduleFields>): void {
  const problems = scheduleProblems(fields);
  if (problems.length) throw new ValidationError('Invalid schedule', problems.join('; '));
}

export async function createWorkflowSchedule(db: Db, tenantId: string, workflowId: string, fields: Partial<ScheduleFields> & { cron: string }): Promise<Schedule> {
  check({ timezone: 'UTC', ...fields });
  await findWorkflow(db, tenantId, workflowId);
  return db.schedule.create({ data: { id: newId('sch'), tenantId, workflowId, ...fields, inputs: (fields.inputs ?? {}) as object } });
}

/** Changes the given fields; any update lifts a pause (the user has looked at it). */
export async function updateSchedule(db: Db, tenantId: string, id: string, patch: Partial<ScheduleFields>): Promise<Schedule> {
  check(patch);
  const current = await db.schedule.findFirst({ where: { id, tenantId } });
  if (!current) throw scheduleNotFound(id);
  if (current.recipeId && (patch.cron !== undefined || patch.timezone !== undefined)) {
    throw new ValidationError('Invalid schedule', "cron, timezone: a recipe's schedule follows its schedule_config; change cron_expression and timezone there");
  }
  return db.schedule.update({ where: { id }, data: { ...patch, ...(patch.inputs ? { inputs: patch.inputs as object } : {}), pausedAt: null, pausedReason: null, updatedAt: new Date() } });
}

export async function deleteSchedule(db: Db, tenantId: string, id: string): Promise<Schedule> {
  const current = await db.schedule.findFirst({ where: { id, tenantId } });
  if (!current) throw scheduleNotFound(id);
  if (current.recipeId) throw new ValidationError('Invalid schedule', "A recipe's schedule follows its schedule_config: set its type to manual to remove it, or disable it with updateSchedule");
  await db.schedule.delete({ where: { id } });
  return current;
}

/**
 * A recipe's schedule follows its schedule_config: type cron → a schedule (kept, with its pause
 * lifted, when the config changes), anything else → none. Returns the schedule as it is now, or
 * the one deleted (for unscheduling), or null.
 */
export async function syncRecipeSchedule(db: Db, tenantId: string, recipeId: string, config: unknown): Promise<{ schedule: Schedule; deleted: boolean } | null> {
  const current = await db.schedule.findUnique({ where: { recipeId } });
  const cron = config && typeof config === 'object' && (config as Record<string, unknown>).type === 'cron' ? (config as Record<string, unknown>) : undefined;
  if (!cron) {
    if (!current) return null;
    await db.schedule.delete({ where: { id: current.id } });
    return { schedule: current, deleted: true };
  }
  const fields = { cron: String(cron.cron_expression).trim(), timezone: typeof cron.timezone === 'string' ? cron.timezone : 'UTC' };
  if (current && current.cron === fields.cron && current.timezone === fields.timezone) return { schedule: current, deleted: false };
  const schedule = current
    ? await db.schedule.update({ where: { id: current.id }, data: { ...fields, pausedAt: null, pausedReason: null, updatedAt: new Date() } })
    : await db.schedule.create({ data: { id: newId('sch'), tenantId, recipeId, ...fields } });
  return { schedule, deleted: false };
}
