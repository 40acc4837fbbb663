import cronParser from 'cron-parser';

// Cron expressions are read by cron-parser, the parser pg-boss's scheduler itself fires them with, so
// what is accepted at save time is exactly what fires.

/** The problem with a cron expression (5 fields, at most one fire a minute, as pg-boss fires them), else undefined. */
export function cronProblem(cron: unknown): string | undefined {
  if (typeof cron !== 'string' || cron.trim() === '') return 'a cron expression is required, such as "0 9 * * 1-5" (minute hour day-of-month month day-of-week)';
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `${JSON.stringify(cron.slice(0, 100))} is no cron expression: it has ${fields.length} field${fields.length === 1 ? '' : 's'}, a cron expression has 5 (minute hour day-of-month month day-of-week; schedules fire at most once a minute)`;
  }
  try {
    cronParser.parseExpression(cron, { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `${JSON.stringify(cron.slice(0, 100))} is no cron expression: ${(error as Error).message}`;
  }
}

export function timezoneProblem(zone: unknown): string | undefined {
  if (typeof zone === 'string' && zone.length <= 100) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return undefined;
    } catch {}
  }
  return `${JSON.stringify(zone)?.slice(0, 100) ?? String(zone)} is no time zone: use an IANA name such as "UTC" or "Europe/Paris"`;
}

/** The next `count` fire times after `from`. */
export function nextFires(cron: string, timezone: string, count: number, from = new Date()): Date[] {
  const interval = cronParser.parseExpression(cron, { tz: timezone, currentDate: from });
  return Array.from({ length: count }, () => interval.next().toDate());
}

/** The fire a job fired now stands for: the latest fire time at or before `at`. */
export function fireAt(cron: string, timezone: string, at = new Date()): Date {
  // cron-parser's prev() is strictly before its current date: a fire exactly at `at` counts.
  const interval = cronParser.parseExpression(cron, { tz: timezone, currentDate: new Date(at.getTime() + 1) });
  return interval.prev().toDate();
}
