import type { Db } from '../store/db.ts';

// The workflow dashboard (GET /api/workflows/stats/dashboard) is read from the execution tallies
// (execution-tallies.ts) and the newest executions (execution-summaries.ts); this counts what it
// counts of the workflows themselves.

/** The workspace's markdown workflows (not deleted) and recipes. */
export async function workflowCounts(db: Db, tenantId: string): Promise<{ markdown: number; recipe: number }> {
  const [row] = await db.$queryRaw<{ markdown: number; recipe: number }[]>`
    SELECT (SELECT count(*) FROM workflows WHERE tenant_id = ${tenantId} AND deleted_at IS NULL)::int AS markdown,
      (SELECT count(*) FROM recipes WHERE tenant_id = ${tenantId})::int AS recipe`;
  return row;
}
