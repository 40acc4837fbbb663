-- Tool servers: the MCP servers a tenant's agents call tools on, by alias. Secrets (HTTP headers,
-- a command's environment) are stored sealed (AES-256-GCM); only their names are readable.
CREATE TABLE "tool_servers" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "url" TEXT,
    "command" TEXT,
    "args" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "header_names" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "env_names" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "secrets" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tool_servers_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "tool_servers_transport_check" CHECK ("transport" IN ('http', 'stdio'))
);

CREATE UNIQUE INDEX "tool_servers_tenant_id_alias_key" ON "tool_servers"("tenant_id", "alias");

ALTER TABLE "tool_servers" ADD CONSTRAINT "tool_servers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
