-- Fork from a step: an execution started from another one's recorded steps (issue #19).
ALTER TABLE "executions" ADD COLUMN "forked_from_id" TEXT;
ALTER TABLE "executions" ADD COLUMN "forked_from_step" TEXT;
-- Forks outlive the execution they came from: deleting it keeps them, without their lineage.
ALTER TABLE "executions" ADD CONSTRAINT "executions_forked_from_id_fkey" FOREIGN KEY ("forked_from_id") REFERENCES "executions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "executions_forked_from_id_idx" ON "executions"("forked_from_id");

-- A step whose recorded output was copied from the execution forked from: no model call, no cost.
ALTER TABLE "step_runs" ADD COLUMN "reused" BOOLEAN NOT NULL DEFAULT false;
