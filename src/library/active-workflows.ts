import { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../store/db.ts';
import { EMPTY_TALLY, meanDurationMs, talliesOf, type Tally, type WorkflowKind } from './execution-tallies.ts';
import { recentExecutionsOf, type ExecutionSummary } from './execution-summaries.ts';

// What runs now (GET /api/workflows/active): the workspace's live executions (running or awaiting
// approval) grouped by the workflow or recipe they run, each group with its newest live execution,
// the tallies of all its executions and its last few executions. Three statements, whatever the count.

export interface LiveExecution {
  id: string;
  status: string;
  started: boolean;
  stepsTotal: number;
  stepsFinished: number;
  /** The title of the first step (in plan order) running, awaiting approval or queued; null when none is. */
  currentStep: string | null;
  startedAt: Date;
  /** `startedAt` plus the mean duration of this workflow's completed executions; null when none has completed. */
  estimatedCompletion: Date | null;
}

export interface ActiveWorkflow {
  id: string;
  kind: WorkflowKind;
  name: string;
  description: string;
  templateId: string | null;
  /** How many of its executions are live. */
  liveExecutions: number;
  /** Whether one of them runs (else all wait for a person). */
  running: boolean;
  current: LiveExecution;
  tally: Tally;
  lastExecutionAt: Date;
  recent: ExecutionSummary[];
}

type Row = Omit<ActiveWorkflow, 'current' | 'tally' | 'recent' | 'lastExecutionAt'> & Omit<LiveExecution, 'estimatedCompletion'> & { executionId: string; newest: Date };

/** The first `limit` workflows and recipes with live executions, the one that started most recently first (ties by id). */
export async function activeWorkflows(db: Db, tenantId: string, limit: number, recentLimit = 5): Promise<ActiveWorkflow[]> {
  const rows = await db.$queryRaw<Row[]>`
    WITH current AS (
      -- Each source's live execution that started last, with how many it has and whether one runs.
      SELECT * FROM (
        SELECT DISTINCT ON (source) id, workflow_id, recipe_id, source, workflow_name, metadata, status, created_at, steps_total, live, running
        FROM (
          SELECT id, workflow_id, recipe_id, COALESCE(workflow_id, recipe_id) AS source, workflow_name, metadata, status, created_at, steps_total,
            count(*) OVER sources AS live, bool_or(status = 'running') OVER sources AS running
          FROM executions WHERE tenant_id = ${tenantId} AND status IN ('running', 'awaiting_approval')
          WINDOW sources AS (PARTITION BY COALESCE(workflow_id, recipe_id))
        ) live
        ORDER BY source, created_at DESC, id DESC
      ) latest
      ORDER BY created_at DESC, source LIMIT ${limit}
    )
    SELECT cur.source AS id, CASE WHEN cur.recipe_id IS NULL THEN 'markdown' ELSE 'recipe' END AS kind,
      COALESCE(w.name, r.name, cur.workflow_name) AS name, COALESCE(w.description, r.description, '') AS description,
      COALESCE(r.template_id, cur.metadata->>'template_id') AS "templateId", cur.live::int AS "liveExecutions", cur.running, cur.created_at AS newest,
      cur.id AS "executionId", cur.status, st.started, cur.steps_total AS "stepsTotal", st.finished AS "stepsFinished", cur.created_at AS "startedAt",
      (SELECT step->>'title' FROM executions x, jsonb_array_elements(x.plan->'steps') step WHERE x.id = cur.id AND step->>'id' = st.current LIMIT 1) AS "currentStep"
    FROM current cur
    LEFT JOIN workflows w ON w.id = cur.workflow_id
    LEFT JOIN recipes r ON r.id = cur.recipe_id
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE item_index = -1 AND status IN ('completed', 'skipped', 'failed', 'rejected', 'stopped'))::int AS finished,
        COALESCE(bool_or(started_at IS NOT NULL), false) AS started,
        (array_agg(step_id ORDER BY position) FILTER (WHERE item_index = -1 AND (status IN ('running', 'awaiting_approval') OR (status = 'pending' AND queued_at IS NOT NULL))))[1] AS current
      FROM step_runs WHERE execution_id = cur.id
    ) st
    ORDER BY cur.created_at DESC, cur.source`;
  const ids = rows.map((row) => row.id);
  const [tallies, recent] = await Promise.all([talliesOf(db, tenantId, ids), recentExecutionsOf(db, tenantId, ids, recentLimit)]);
  return rows.map((row) => {
    const tally = tallies.get(row.id) ?? EMPTY_TALLY;
    const mean = meanDurationMs(tally);
    return {
      id: row.id, kind: row.kind, name: row.name, description: row.description, templateId: row.templateId, liveExecutions: row.liveExecutions, running: row.running,
      current: {
        id: row.executionId, status: row.status, started: row.started, stepsTotal: row.stepsTotal, stepsFinished: row.stepsFinished, currentStep: row.currentStep,
        startedAt: row.startedAt, estimatedCompletion: mean === null ? null : new Date(row.startedAt.getTime() + mean),
      },
      tally,
      lastExecutionAt: row.newest,
      recent: recent.get(row.id) ?? [],
    };
  });
}

/** How much of the workers' capacity the workspace's steps take now. */
export interface SystemLoad {
  /** The workspace's step attempts running now. */
  runningSteps: number;
  /** The workspace's steps queued for a worker and not started yet. */
  queuedSteps: number;
  /** Worker processes alive (a heartbeat within `aliveMs`). */
  workers: number;
  /** Step attempts the live workers run at once at most. */
  capacity: number;
  /** runningSteps ÷ capacity, at most 1; null when no worker is alive. */
  load: number | null;
}

/** The workspace's load, or with no tenant the whole deployment's (for /metrics). */
export async function systemLoad(db: Db, tenantId: string | undefined, { aliveMs, attemptsPerWorker }: { aliveMs: number; attemptsPerWorker: number }): Promise<SystemLoad> {
  const ofTenant = tenantId === undefined ? Prisma.empty : Prisma.sql`e.tenant_id = ${tenantId} AND`;
  const [row] = await db.$queryRaw<Omit<SystemLoad, 'capacity' | 'load'>[]>`
    SELECT
      (SELECT count(*) FROM workers WHERE heartbeat_at > now() - ${aliveMs} * interval '1 millisecond')::int AS workers,
      count(*) FILTER (WHERE s.status = 'running')::int AS "runningSteps",
      count(*) FILTER (WHERE s.status = 'pending' AND s.queued_at IS NOT NULL)::int AS "queuedSteps"
    FROM executions e JOIN step_runs s ON s.execution_id = e.id
    WHERE ${ofTenant} e.status IN ('running', 'awaiting_approval')`;
  const capacity = row.workers * attemptsPerWorker;
  return { ...row, capacity, load: capacity === 0 ? null : Math.min(1, row.runningSteps / capacity) };
}

/** How many workflows and recipes have a live execution. */
export async function activeCount(db: Db, tenantId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ count: number }[]>`
    SELECT count(DISTINCT COALESCE(workflow_id, recipe_id))::int AS count FROM executions WHERE tenant_id = ${tenantId} AND status IN ('running', 'awaiting_approval')`;
  return row.count;
}
