-- API keys get a role: `admin` keys (the operator's) review the marketplace, every key is a `member`
-- by default.
ALTER TABLE "api_keys" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'member';
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_check" CHECK ("role" IN ('admin', 'member'));

-- The marketplace (spec recipes-api.md §6): what a tenant submitted, frozen at submission: the
-- recipe's JSON and the agents its steps run. The only rows one tenant can read of another's.
CREATE TABLE "marketplace_items" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'recipe',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "author_tenant_id" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "template_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "category" TEXT,
    "icon" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "recipe" JSONB NOT NULL,
    "agents" JSONB NOT NULL DEFAULT '[]',
    "install_count" INTEGER NOT NULL DEFAULT 0,
    "review_note" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "marketplace_items_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "marketplace_items_type_check" CHECK ("type" IN ('recipe')),
    CONSTRAINT "marketplace_items_status_check" CHECK ("status" IN ('pending', 'approved', 'rejected'))
);

-- One listed item per name (case-insensitively): a rejected one frees its name. Prisma cannot
-- declare a partial expression index, so it lives here only.
CREATE UNIQUE INDEX "marketplace_items_listed_name_key" ON "marketplace_items"("type", lower("name")) WHERE "status" <> 'rejected';
CREATE INDEX "marketplace_items_status_install_count_id_idx" ON "marketplace_items"("status", "install_count" DESC, "id");
CREATE INDEX "marketplace_items_author_tenant_id_status_idx" ON "marketplace_items"("author_tenant_id", "status");

ALTER TABLE "marketplace_items" ADD CONSTRAINT "marketplace_items_author_tenant_id_fkey" FOREIGN KEY ("author_tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
