import type { Db } from '../store/db.ts';
import { utcDay } from './execution-tallies.ts';

export interface DayCost {
  day: Date;
  runs: number;
  costUsd: number;
  tokens: number;
}

/**
 * One entry per UTC day, the last `days` up to `today`, zero-filled: the executions started that day
 * (the tallies' `execution_days`) and what the workspace's model calls cost that day, input, output
 * and cache tokens together (`tenant_spend_days`, which budgets are held to). Both are kept per day by
 * triggers, so this reads a few rows per day however many steps ran.
 */
export async function dailyCosts(db: Db, tenantId: string, days: number, today: Date): Promise<DayCost[]> {
  const last = utcDay(today);
  const first = new Date(last.getTime() - (days - 1) * 86_400_000);
  return db.$queryRaw<DayCost[]>`
    SELECT g.day,
      COALESCE((SELECT sum(started) FROM execution_days x WHERE x.tenant_id = ${tenantId} AND x.day = g.day), 0)::int AS runs,
      COALESCE((SELECT sum(usd) FROM tenant_spend_days s WHERE s.tenant_id = ${tenantId} AND s.day = g.day), 0)::float8 AS "costUsd",
      COALESCE((SELECT sum(tokens) FROM tenant_spend_days s WHERE s.tenant_id = ${tenantId} AND s.day = g.day), 0)::float8 AS tokens
    FROM generate_series(${first}::timestamptz, ${last}::timestamptz, interval '1 day') AS g(day)
    ORDER BY g.day`;
}
