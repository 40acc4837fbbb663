-- The dashboards of the recipe API (/api/workflow-recipes/stats/dashboard, /api/workflows…): the
-- indexes their queries need, and two running tallies of executions that Postgres keeps current, so
-- that no dashboard reads every execution of a workspace (a count over 100,000 of them costs tens of
-- milliseconds; a sum over a few hundred tally rows does not).

-- The newest executions of one markdown workflow (recipes have theirs: executions_tenant_id_recipe_id_created_at_id_idx).
CREATE INDEX "executions_tenant_id_workflow_id_created_at_id_idx" ON "executions"("tenant_id", "workflow_id", "created_at" DESC, "id" DESC);

-- The mean quality score of a workspace's recipes, read from the index alone.
CREATE INDEX "recipes_tenant_id_quality_score_idx" ON "recipes"("tenant_id", "quality_score");

-- How many of a workspace's recipes are public (or featured): the recipe list's total, from the index alone.
CREATE INDEX "recipes_tenant_id_is_public_is_featured_idx" ON "recipes"("tenant_id", "is_public", "is_featured");

-- The recipes carrying a tag (`tags @> ARRAY[tag]`), for GET /api/workflows?tag=….
CREATE INDEX "recipes_tags_idx" ON "recipes" USING GIN ("tags");

-- Executions started, and how they ended, per workflow or recipe (`source_id`). Several rows (shards)
-- per source, chosen by a hash of the execution's id, so that executions of one source starting or finishing
-- together do not wait for each other's commits; readers sum the shards.
CREATE TABLE "execution_tallies" (
    "tenant_id" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "started" INTEGER NOT NULL DEFAULT 0,
    "completed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "stopped" INTEGER NOT NULL DEFAULT 0,
    "completed_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "execution_tallies_pkey" PRIMARY KEY ("tenant_id", "source_id", "shard")
);

-- The same per workspace, per UTC day an execution started on, and per kind (markdown | recipe):
-- totals, today's figures and the daily trend without reading executions. Kept when a recipe is deleted.
CREATE TABLE "execution_days" (
    "tenant_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "started" INTEGER NOT NULL DEFAULT 0,
    "completed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "stopped" INTEGER NOT NULL DEFAULT 0,
    "completed_ms" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "execution_days_pkey" PRIMARY KEY ("tenant_id", "day", "kind", "shard")
);

ALTER TABLE "execution_tallies" ADD CONSTRAINT "execution_tallies_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "execution_days" ADD CONSTRAINT "execution_days_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Counts an execution into both tallies: when it is inserted (started, and its outcome if it was
-- inserted finished) and when its status first becomes completed, failed or stopped. Whatever writes
-- executions (the engine, a test, a repair by hand) keeps the tallies true. Executions are never
-- deleted on their own (only with their tenant, whose tallies go too), so deletes are not counted.
CREATE FUNCTION "tally_execution"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  n_started INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END;
  n_completed INTEGER := CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END;
  n_failed INTEGER := CASE WHEN NEW.status = 'failed' THEN 1 ELSE 0 END;
  n_stopped INTEGER := CASE WHEN NEW.status = 'stopped' THEN 1 ELSE 0 END;
  n_ms BIGINT := CASE WHEN NEW.status = 'completed' THEN GREATEST(0, round(extract(epoch FROM COALESCE(NEW.completed_at, NEW.created_at) - NEW.created_at) * 1000))::BIGINT ELSE 0 END;
  n_shard INTEGER := hashtext(NEW.id) & 7;
BEGIN
  INSERT INTO "execution_tallies" AS t ("tenant_id", "source_id", "shard", "started", "completed", "failed", "stopped", "completed_ms")
  VALUES (NEW.tenant_id, COALESCE(NEW.workflow_id, NEW.recipe_id), n_shard, n_started, n_completed, n_failed, n_stopped, n_ms)
  ON CONFLICT ("tenant_id", "source_id", "shard") DO UPDATE SET
    "started" = t."started" + EXCLUDED."started", "completed" = t."completed" + EXCLUDED."completed", "failed" = t."failed" + EXCLUDED."failed",
    "stopped" = t."stopped" + EXCLUDED."stopped", "completed_ms" = t."completed_ms" + EXCLUDED."completed_ms";
  INSERT INTO "execution_days" AS d ("tenant_id", "day", "kind", "shard", "started", "completed", "failed", "stopped", "completed_ms")
  VALUES (NEW.tenant_id, date_trunc('day', NEW.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', CASE WHEN NEW.recipe_id IS NULL THEN 'markdown' ELSE 'recipe' END,
    n_shard, n_started, n_completed, n_failed, n_stopped, n_ms)
  ON CONFLICT ("tenant_id", "day", "kind", "shard") DO UPDATE SET
    "started" = d."started" + EXCLUDED."started", "completed" = d."completed" + EXCLUDED."completed", "failed" = d."failed" + EXCLUDED."failed",
    "stopped" = d."stopped" + EXCLUDED."stopped", "completed_ms" = d."completed_ms" + EXCLUDED."completed_ms";
  RETURN NULL;
END
$$;

-- Deferred to COMMIT: a tally row is locked only while its transaction commits, not for the whole
-- transaction that starts or finishes an execution.
CREATE CONSTRAINT TRIGGER "executions_tally_insert" AFTER INSERT ON "executions"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "tally_execution"();
CREATE CONSTRAINT TRIGGER "executions_tally_finish" AFTER UPDATE OF "status" ON "executions"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status NOT IN ('completed', 'failed', 'stopped') AND NEW.status IN ('completed', 'failed', 'stopped'))
  EXECUTE FUNCTION "tally_execution"();

-- The executions already there (the trigger above holds writers off until this migration commits).
INSERT INTO "execution_tallies" ("tenant_id", "source_id", "shard", "started", "completed", "failed", "stopped", "completed_ms")
SELECT tenant_id, COALESCE(workflow_id, recipe_id), 0, count(*), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed'),
  count(*) FILTER (WHERE status = 'stopped'),
  COALESCE(sum(GREATEST(0, round(extract(epoch FROM COALESCE(completed_at, created_at) - created_at) * 1000))) FILTER (WHERE status = 'completed'), 0)
FROM "executions" GROUP BY 1, 2;

INSERT INTO "execution_days" ("tenant_id", "day", "kind", "shard", "started", "completed", "failed", "stopped", "completed_ms")
SELECT tenant_id, date_trunc('day', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', CASE WHEN recipe_id IS NULL THEN 'markdown' ELSE 'recipe' END, 0,
  count(*), count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'stopped'),
  COALESCE(sum(GREATEST(0, round(extract(epoch FROM COALESCE(completed_at, created_at) - created_at) * 1000))) FILTER (WHERE status = 'completed'), 0)
FROM "executions" GROUP BY 1, 2, 3;
