-- Executions, their steps, events and output versions.
CREATE TABLE "executions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "workflow_name" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "inputs" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "steps_completed" INTEGER NOT NULL DEFAULT 0,
    "steps_total" INTEGER NOT NULL,
    "output" TEXT,
    "output_type" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "refine_status" TEXT,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "step_runs" (
    "id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "step_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "item_index" INTEGER NOT NULL DEFAULT -1,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "agent_id" TEXT,
    "model_id" TEXT,
    "prompt" TEXT,
    "output" TEXT,
    "output_json" JSONB,
    "error" TEXT,
    "tokens_in" INTEGER NOT NULL DEFAULT 0,
    "tokens_out" INTEGER NOT NULL DEFAULT 0,
    "tokens_cache_read" INTEGER NOT NULL DEFAULT 0,
    "tokens_cache_write" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "turns" INTEGER NOT NULL DEFAULT 0,
    "tool_calls" JSONB NOT NULL DEFAULT '[]',
    "approval" JSONB,
    "feedback" TEXT,
    "worker_id" TEXT,
    "queued_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "step_runs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "execution_events" (
    "id" BIGSERIAL NOT NULL,
    "execution_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "execution_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "output_versions" (
    "id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "output" TEXT NOT NULL,
    "output_type" TEXT NOT NULL,
    "prompt" TEXT,
    "parent_version" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "output_versions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "executions_tenant_id_created_at_id_idx" ON "executions"("tenant_id", "created_at" DESC, "id" DESC);
CREATE INDEX "executions_tenant_id_status_idx" ON "executions"("tenant_id", "status");
CREATE UNIQUE INDEX "step_runs_execution_id_step_id_item_index_key" ON "step_runs"("execution_id", "step_id", "item_index");
CREATE UNIQUE INDEX "execution_events_execution_id_seq_key" ON "execution_events"("execution_id", "seq");
CREATE UNIQUE INDEX "output_versions_execution_id_version_key" ON "output_versions"("execution_id", "version");

ALTER TABLE "executions" ADD CONSTRAINT "executions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "executions" ADD CONSTRAINT "executions_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "step_runs" ADD CONSTRAINT "step_runs_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "execution_events" ADD CONSTRAINT "execution_events_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "output_versions" ADD CONSTRAINT "output_versions_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
