-- Quality assessments of recipe executions, kept with the execution; learning analyses. An
-- execution enters its recipe's quality score once (the partial unique index), and is learned from
-- automatically once (the other one), whatever the retries and redeliveries.
CREATE TABLE "execution_assessments" (
    "id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "recipe_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "quality_score" DOUBLE PRECISION NOT NULL,
    "breakdown" JSONB NOT NULL,
    "grade" TEXT NOT NULL,
    "bottlenecks" JSONB NOT NULL DEFAULT '[]',
    "applied_to_recipe" BOOLEAN NOT NULL DEFAULT false,
    "recipe_score" DOUBLE PRECISION,
    "assessed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "execution_assessments_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "execution_assessments_execution_id_assessed_at_idx" ON "execution_assessments"("execution_id", "assessed_at");
CREATE INDEX "execution_assessments_recipe_id_assessed_at_idx" ON "execution_assessments"("recipe_id", "assessed_at");
CREATE UNIQUE INDEX "execution_assessments_applied_once" ON "execution_assessments"("execution_id") WHERE "applied_to_recipe";

ALTER TABLE "execution_assessments" ADD CONSTRAINT "execution_assessments_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "recipe_analyses" (
    "id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "recipe_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "analysis" JSONB NOT NULL,
    "analyzed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipe_analyses_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recipe_analyses_source_check" CHECK ("source" IN ('manual', 'auto'))
);

CREATE INDEX "recipe_analyses_execution_id_idx" ON "recipe_analyses"("execution_id");
CREATE UNIQUE INDEX "recipe_analyses_auto_once" ON "recipe_analyses"("execution_id") WHERE "source" = 'auto';

ALTER TABLE "recipe_analyses" ADD CONSTRAINT "recipe_analyses_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
