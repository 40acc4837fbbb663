import { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../store/db.ts';
import type { WorkflowKind } from './execution-tallies.ts';

// Executions in a line each, for dashboards: what ran, how it stands, when, for how long.

export interface ExecutionSummary {
  id: string;
  kind: WorkflowKind;
  workflowId: string | null;
  recipeId: string | null;
  /** The workflow's or recipe's name when the execution started. */
  name: string;
  /** running | awaiting_approval | completed | failed | stopped */
  status: string;
  /** Whether a step has started (a running execution where none has is the recipe API's `pending`). */
  started: boolean;
  triggeredBy: string;
  startedAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
}

/** The columns of an ExecutionSummary, from `executions e`. A running execution's `started` looks at its steps; others have started. */
const COLUMNS = Prisma.sql`e.id, CASE WHEN e.recipe_id IS NULL THEN 'markdown' ELSE 'recipe' END AS kind, e.workflow_id AS "workflowId", e.recipe_id AS "recipeId",
  e.workflow_name AS name, e.status, e.triggered_by AS "triggeredBy", e.created_at AS "startedAt", e.completed_at AS "completedAt",
  CASE WHEN e.status <> 'running' THEN true ELSE EXISTS (SELECT 1 FROM step_runs s WHERE s.execution_id = e.id AND s.started_at IS NOT NULL) END AS started`;

type Row = Omit<ExecutionSummary, 'durationMs'>;

const summary = (row: Row): ExecutionSummary => ({ ...row, durationMs: row.completedAt ? row.completedAt.getTime() - row.startedAt.getTime() : null });

/** The workspace's newest executions (of every workflow and recipe). */
export async function recentExecutions(db: Db, tenantId: string, limit: number): Promise<ExecutionSummary[]> {
  const rows = await db.$queryRaw<Row[]>`SELECT ${COLUMNS} FROM executions e WHERE e.tenant_id = ${tenantId} ORDER BY e.created_at DESC, e.id DESC LIMIT ${limit}`;
  return rows.map(summary);
}

/** The newest `limit` executions of each of these workflows and recipes, in one statement (each by its own index). */
export async function recentExecutionsOf(db: Db, tenantId: string, sourceIds: string[], limit: number): Promise<Map<string, ExecutionSummary[]>> {
  const bySource = new Map<string, ExecutionSummary[]>(sourceIds.map((id) => [id, []]));
  if (sourceIds.length === 0) return bySource;
  const rows = await db.$queryRaw<(Row & { source: string })[]>`
    SELECT source, recent.* FROM unnest(${sourceIds}::text[]) AS sources(source)
    CROSS JOIN LATERAL (
      (SELECT ${COLUMNS} FROM executions e WHERE e.tenant_id = ${tenantId} AND e.workflow_id = sources.source ORDER BY e.created_at DESC, e.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT ${COLUMNS} FROM executions e WHERE e.tenant_id = ${tenantId} AND e.recipe_id = sources.source ORDER BY e.created_at DESC, e.id DESC LIMIT ${limit})
    ) recent
    ORDER BY source, recent."startedAt" DESC, recent.id DESC`;
  for (const { source, ...row } of rows) bySource.get(source)?.push(summary(row));
  return bySource;
}
