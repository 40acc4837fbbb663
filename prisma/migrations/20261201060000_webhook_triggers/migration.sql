-- Inbound webhooks. A markdown workflow's trigger is a row here; a recipe's is its
-- `schedule_config.webhook_id` (type trigger or webhook), found through the expression index below.
-- The id (`whk_` + 128 random bits) is the capability: the receiving routes take no API key.
CREATE TABLE "webhook_triggers" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "secret" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_triggers_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "webhook_triggers_tenant_id_workflow_id_idx" ON "webhook_triggers"("tenant_id", "workflow_id");

ALTER TABLE "webhook_triggers" ADD CONSTRAINT "webhook_triggers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_triggers" ADD CONSTRAINT "webhook_triggers_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One row per delivery id and webhook: the primary key is what makes concurrent replays start one
-- execution. Rows older than 24 h no longer count and are reclaimed.
CREATE TABLE "webhook_deliveries" (
    "webhook_id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("webhook_id", "delivery_id")
);

CREATE INDEX "webhook_deliveries_received_at_idx" ON "webhook_deliveries"("received_at");

ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE INDEX "recipes_webhook_id_idx" ON "recipes" (("schedule_config" ->> 'webhook_id'));
