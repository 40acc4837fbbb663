-- Recipes: the recipe API's JSON workflows over stored agents, with the plan each compiles to.
CREATE TABLE "recipes" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "template_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "template_definition" JSONB NOT NULL DEFAULT '{}',
    "steps" JSONB NOT NULL DEFAULT '[]',
    "inputs" JSONB NOT NULL DEFAULT '{}',
    "outputs" JSONB NOT NULL DEFAULT '{}',
    "execution_config" JSONB NOT NULL DEFAULT '{}',
    "schedule_config" JSONB,
    "recommended_agents" JSONB NOT NULL DEFAULT '[]',
    "required_tools" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "quality_score" DOUBLE PRECISION,
    "learning_data" JSONB,
    "use_count" INTEGER NOT NULL DEFAULT 0,
    "success_rate" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "popularity" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "average_rating" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "install_count" INTEGER NOT NULL DEFAULT 0,
    "is_public" BOOLEAN NOT NULL DEFAULT true,
    "is_featured" BOOLEAN NOT NULL DEFAULT false,
    "is_system" BOOLEAN NOT NULL DEFAULT false,
    "is_approved" BOOLEAN NOT NULL DEFAULT false,
    "preview_image" TEXT,
    "documentation_url" TEXT,
    "version" TEXT NOT NULL DEFAULT '1.0',
    "changelog" JSONB NOT NULL DEFAULT '[]',
    "owner_type" TEXT NOT NULL DEFAULT 'workspace',
    "cloned_from_id" TEXT,
    "created_by" TEXT,
    "is_marketplace_item" BOOLEAN NOT NULL DEFAULT false,
    "plan" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "recipes_pkey" PRIMARY KEY ("id")
);

-- template_id is how clients address a recipe: one per tenant, enforced here so concurrent creates cannot both win.
CREATE UNIQUE INDEX "recipes_tenant_id_template_id_key" ON "recipes"("tenant_id", "template_id");

-- One per sort of the list, each with id as the tie-breaker.
CREATE INDEX "recipes_tenant_id_popularity_id_idx" ON "recipes"("tenant_id", "popularity" DESC, "id");
CREATE INDEX "recipes_tenant_id_created_at_id_idx" ON "recipes"("tenant_id", "created_at" DESC, "id");
CREATE INDEX "recipes_tenant_id_use_count_id_idx" ON "recipes"("tenant_id", "use_count" DESC, "id");
CREATE INDEX "recipes_tenant_id_average_rating_id_idx" ON "recipes"("tenant_id", "average_rating" DESC, "id");
CREATE INDEX "recipes_tenant_id_name_id_idx" ON "recipes"("tenant_id", "name", "id");

ALTER TABLE "recipes" ADD CONSTRAINT "recipes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
