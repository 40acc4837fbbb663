-- Public share links of executions' outputs: at most one per execution; deleting it revokes the link.
CREATE TABLE "share_links" (
    "execution_id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "share_links_pkey" PRIMARY KEY ("execution_id")
);

CREATE UNIQUE INDEX "share_links_slug_key" ON "share_links"("slug");

ALTER TABLE "share_links" ADD CONSTRAINT "share_links_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
