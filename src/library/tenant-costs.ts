import type { Db } from '../store/db.ts';
import { utcDay } from './execution-tallies.ts';

export interface DayCost {
  day: Date;
  runs: number;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
}

/**
 * One entry per UTC day, the last `days` up to `today`, zero-filled: the executions started that day
 * and what their steps cost (reused steps cost nothing; a step's retries are in its row).
 */
export async function dailyCosts(db: Db, tenantId: string, days: number, today: Date): Promise<DayCost[]> {
  const last = utcDay(today);
  const first = new Date(last.getTime() - (days - 1) * 86_400_000);
  const end = new Date(last.getTime() + 86_400_000);
  const rows = await db.$queryRaw<DayCost[]>`
    SELECT date_trunc('day', e.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, count(*)::int AS runs,
      COALESCE(sum(s.cost), 0)::float8 AS "costUsd", COALESCE(sum(s.tokens_in), 0)::int AS "tokensIn", COALESCE(sum(s.tokens_out), 0)::int AS "tokensOut"
    FROM executions e
    LEFT JOIN LATERAL (
      SELECT sum(cost_usd) AS cost, sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out FROM step_runs WHERE execution_id = e.id
    ) s ON true
    WHERE e.tenant_id = ${tenantId} AND e.created_at >= ${first} AND e.created_at < ${end}
    GROUP BY 1`;
  const byDay = new Map(rows.map((row) => [new Date(row.day).getTime(), row]));
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(first.getTime() + index * 86_400_000);
    const row = byDay.get(day.getTime());
    return { day, runs: row?.runs ?? 0, costUsd: row?.costUsd ?? 0, tokensIn: row?.tokensIn ?? 0, tokensOut: row?.tokensOut ?? 0 };
  });
}
