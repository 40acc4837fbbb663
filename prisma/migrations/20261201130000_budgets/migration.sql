-- Budgets (issue #19): a hard limit per execution, a default per workflow, and daily and monthly
-- limits per tenant. A model call reserves its worst case on its step row before it starts; the
-- record of its attempt settles the real usage and clears the reservation.
ALTER TABLE "executions" ADD COLUMN "budget_tokens" INTEGER;
ALTER TABLE "executions" ADD COLUMN "budget_usd" DOUBLE PRECISION;
ALTER TABLE "workflows" ADD COLUMN "budget_tokens" INTEGER;
ALTER TABLE "workflows" ADD COLUMN "budget_usd" DOUBLE PRECISION;
ALTER TABLE "tenants" ADD COLUMN "budget_usd_per_day" DOUBLE PRECISION;
ALTER TABLE "tenants" ADD COLUMN "budget_usd_per_month" DOUBLE PRECISION;
ALTER TABLE "tenants" ADD COLUMN "budget_tokens_per_day" INTEGER;

-- A reservation counts only while its row runs the attempt it was made for: an attempt that ends
-- any other way (its worker died and the step was given back, the execution stopped) frees it.
ALTER TABLE "step_runs" ADD COLUMN "reserved_tokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "step_runs" ADD COLUMN "reserved_usd" DOUBLE PRECISION NOT NULL DEFAULT 0;
CREATE INDEX "step_runs_reserved_idx" ON "step_runs"("execution_id") WHERE "status" = 'running' AND "reserved_tokens" > 0;

-- What each tenant spent per UTC day (tokens: input, output and cache, all billed), kept by a
-- trigger on the step rows' usage. Sharded like the execution tallies, so concurrent executions'
-- commits do not wait for each other; readers sum the shards.
CREATE TABLE "tenant_spend_days" (
    "tenant_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "shard" INTEGER NOT NULL,
    "usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "tokens" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "tenant_spend_days_pkey" PRIMARY KEY ("tenant_id", "day", "shard")
);
ALTER TABLE "tenant_spend_days" ADD CONSTRAINT "tenant_spend_days_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION "spend_step"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "tenant_spend_days" AS d ("tenant_id", "day", "shard", "usd", "tokens")
  SELECT e.tenant_id, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', hashtext(NEW.execution_id) & 7,
    NEW.cost_usd - OLD.cost_usd,
    (NEW.tokens_in + NEW.tokens_out + NEW.tokens_cache_read + NEW.tokens_cache_write) - (OLD.tokens_in + OLD.tokens_out + OLD.tokens_cache_read + OLD.tokens_cache_write)
  FROM "executions" e WHERE e.id = NEW.execution_id
  ON CONFLICT ("tenant_id", "day", "shard") DO UPDATE SET "usd" = d."usd" + EXCLUDED."usd", "tokens" = d."tokens" + EXCLUDED."tokens";
  RETURN NULL;
END
$$;

-- Deferred to COMMIT, like the tallies: a spend row is locked only while its transaction commits.
CREATE CONSTRAINT TRIGGER "step_runs_spend" AFTER UPDATE OF "cost_usd", "tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write" ON "step_runs"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.cost_usd <> OLD.cost_usd OR NEW.tokens_in <> OLD.tokens_in OR NEW.tokens_out <> OLD.tokens_out
    OR NEW.tokens_cache_read <> OLD.tokens_cache_read OR NEW.tokens_cache_write <> OLD.tokens_cache_write)
  EXECUTE FUNCTION "spend_step"();

-- What was spent before: counted on the day its step finished (or started).
INSERT INTO "tenant_spend_days" ("tenant_id", "day", "shard", "usd", "tokens")
SELECT e.tenant_id, date_trunc('day', COALESCE(s.completed_at, s.started_at, e.created_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 0,
  sum(s.cost_usd), sum(s.tokens_in + s.tokens_out + s.tokens_cache_read + s.tokens_cache_write)
FROM "step_runs" s JOIN "executions" e ON e.id = s.execution_id
WHERE s.cost_usd <> 0 OR s.tokens_in + s.tokens_out + s.tokens_cache_read + s.tokens_cache_write <> 0
GROUP BY 1, 2;

-- A new way to end: `budget_exhausted` (a failure, for the tallies and for clients that know only failed).
CREATE OR REPLACE FUNCTION "tally_execution"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  n_started INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END;
  n_completed INTEGER := CASE WHEN NEW.status = 'completed' THEN 1 ELSE 0 END;
  n_failed INTEGER := CASE WHEN NEW.status IN ('failed', 'budget_exhausted') THEN 1 ELSE 0 END;
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

DROP TRIGGER "executions_tally_finish" ON "executions";
CREATE CONSTRAINT TRIGGER "executions_tally_finish" AFTER UPDATE OF "status" ON "executions"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status NOT IN ('completed', 'failed', 'stopped', 'budget_exhausted') AND NEW.status IN ('completed', 'failed', 'stopped', 'budget_exhausted'))
  EXECUTE FUNCTION "tally_execution"();
