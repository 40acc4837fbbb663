import { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../store/db.ts';

// Reading the execution tallies that Postgres keeps current (the dashboard_indexes migration): how
// many executions started and how they ended, per workflow or recipe and per UTC day, summed over
// their shards. Live executions are read from `executions` itself (few, by the tenant+status index).

/** Executions started, and how many of them ended each way. */
export interface Tally {
  started: number;
  completed: number;
  failed: number;
  stopped: number;
  /** The sum of the completed ones' durations. */
  completedMs: number;
}

export type WorkflowKind = 'markdown' | 'recipe';

export const EMPTY_TALLY: Tally = { started: 0, completed: 0, failed: 0, stopped: 0, completedMs: 0 };

/** completed ÷ (completed + failed): stopped executions say nothing about the workflow; null before any finished. */
export const successRate = (tally: Tally): number | null => (tally.completed + tally.failed > 0 ? tally.completed / (tally.completed + tally.failed) : null);

/** The mean duration of the completed executions; null before any completed. */
export const meanDurationMs = (tally: Tally): number | null => (tally.completed > 0 ? tally.completedMs / tally.completed : null);

export const addTallies = (a: Tally, b: Tally): Tally => ({
  started: a.started + b.started,
  completed: a.completed + b.completed,
  failed: a.failed + b.failed,
  stopped: a.stopped + b.stopped,
  completedMs: a.completedMs + b.completedMs,
});

const SUMS = Prisma.sql`COALESCE(sum(started), 0)::int AS started, COALESCE(sum(completed), 0)::int AS completed, COALESCE(sum(failed), 0)::int AS failed,
  COALESCE(sum(stopped), 0)::int AS stopped, COALESCE(sum(completed_ms), 0)::float8 AS "completedMs"`;

/** The tallies of these workflows and recipes (by id); one absent from the map has no execution. */
export async function talliesOf(db: Db, tenantId: string, sourceIds: string[]): Promise<Map<string, Tally>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await db.$queryRaw<(Tally & { sourceId: string })[]>`
    SELECT source_id AS "sourceId", ${SUMS} FROM execution_tallies
    WHERE tenant_id = ${tenantId} AND source_id = ANY(${sourceIds}::text[]) GROUP BY source_id`;
  return new Map(rows.map(({ sourceId, ...tally }) => [sourceId, tally]));
}

/** The workspace's tallies per kind, over all time (executions of deleted recipes included). */
export async function totalsByKind(db: Db, tenantId: string): Promise<Record<WorkflowKind, Tally>> {
  const rows = await db.$queryRaw<(Tally & { kind: WorkflowKind })[]>`
    SELECT kind, ${SUMS} FROM execution_days WHERE tenant_id = ${tenantId} GROUP BY kind`;
  const byKind = new Map(rows.map(({ kind, ...tally }) => [kind, tally]));
  return { markdown: byKind.get('markdown') ?? EMPTY_TALLY, recipe: byKind.get('recipe') ?? EMPTY_TALLY };
}

/** Midnight (UTC) of the day `at` falls on. */
export const utcDay = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

/** One entry per UTC day from `days - 1` days before `today` to `today`, zero-filled: executions started that day and how they ended. */
export async function dailyTallies(db: Db, tenantId: string, days: number, today: Date): Promise<(Tally & { day: Date })[]> {
  const last = utcDay(today);
  const first = new Date(last.getTime() - (days - 1) * 86_400_000);
  const rows = await db.$queryRaw<(Tally & { day: Date })[]>`
    SELECT day, ${SUMS} FROM execution_days WHERE tenant_id = ${tenantId} AND day >= ${first} AND day <= ${last} GROUP BY day`;
  const byDay = new Map(rows.map(({ day, ...tally }) => [day.getTime(), tally]));
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(first.getTime() + index * 86_400_000);
    return { day, ...(byDay.get(day.getTime()) ?? EMPTY_TALLY) };
  });
}

/** The workspace's live executions by state (of one kind, or all): `pending` is running with no step started yet. */
export interface LiveCounts {
  pending: number;
  running: number;
  awaitingApproval: number;
  /** Workflows and recipes with a live execution. */
  sources: number;
}

export async function liveCounts(db: Db, tenantId: string, kind?: WorkflowKind): Promise<LiveCounts> {
  const ofKind = kind === undefined ? Prisma.empty : kind === 'recipe' ? Prisma.sql`AND recipe_id IS NOT NULL` : Prisma.sql`AND workflow_id IS NOT NULL`;
  const [row] = await db.$queryRaw<LiveCounts[]>`
    SELECT count(*) FILTER (WHERE status = 'running' AND NOT started)::int AS pending, count(*) FILTER (WHERE status = 'running' AND started)::int AS running,
      count(*) FILTER (WHERE status = 'awaiting_approval')::int AS "awaitingApproval", count(DISTINCT COALESCE(workflow_id, recipe_id))::int AS sources
    FROM (
      SELECT e.status, e.workflow_id, e.recipe_id, EXISTS (SELECT 1 FROM step_runs s WHERE s.execution_id = e.id AND s.started_at IS NOT NULL) AS started
      FROM executions e WHERE e.tenant_id = ${tenantId} AND e.status IN ('running', 'awaiting_approval') ${ofKind}
    ) live`;
  return row;
}
