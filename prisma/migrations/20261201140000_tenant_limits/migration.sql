-- Limits on running model calls (issue #19): per tenant and per workflow, counted in Postgres so
-- they hold across worker processes. A step that would pass one waits; its execution is listed
-- here until a call of its tenant ends and wakes it (oldest first).
ALTER TABLE "tenants" ADD COLUMN "max_concurrent_calls" INTEGER;
ALTER TABLE "workflows" ADD COLUMN "max_concurrent_calls" INTEGER;

CREATE TABLE "execution_waits" (
    "execution_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "execution_waits_pkey" PRIMARY KEY ("execution_id")
);
ALTER TABLE "execution_waits" ADD CONSTRAINT "execution_waits_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "execution_waits" ADD CONSTRAINT "execution_waits_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "execution_waits_tenant_id_since_idx" ON "execution_waits"("tenant_id", "since");

-- The model calls running now (a claimed attempt has a worker; a For each step's own row has none).
CREATE INDEX "step_runs_calling_idx" ON "step_runs"("execution_id") WHERE "status" = 'running' AND "worker_id" IS NOT NULL;
-- Steps queued and waiting for a worker, for the fair order of the queue.
CREATE INDEX "step_runs_queued_idx" ON "step_runs"("execution_id") WHERE "status" = 'pending' AND "queued_at" IS NOT NULL;
