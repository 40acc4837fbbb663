-- Executions of recipes: an execution runs either a markdown workflow or a recipe. recipe_id has no
-- foreign key on purpose: a deleted recipe's executions stay readable and keep saying what they ran.
ALTER TABLE "executions" ALTER COLUMN "workflow_id" DROP NOT NULL;
ALTER TABLE "executions" ADD COLUMN "recipe_id" TEXT;
ALTER TABLE "executions" ADD COLUMN "triggered_by" TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE "executions" ADD COLUMN "metadata" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "executions" ADD CONSTRAINT "executions_one_source" CHECK (("workflow_id" IS NULL) <> ("recipe_id" IS NULL));

CREATE INDEX "executions_tenant_id_recipe_id_created_at_id_idx" ON "executions"("tenant_id", "recipe_id", "created_at" DESC, "id" DESC);
