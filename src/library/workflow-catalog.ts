import { Prisma, type Recipe, type Workflow } from '../generated/prisma/client.ts';
import type { Db } from '../store/db.ts';

// The workspace's workflows of both kinds in one list (GET /api/workflows): markdown workflows (not
// deleted) and recipes (public and private), newest first, ties by id, offset-paged.

export interface CatalogFilter {
  /** Name or description, case-insensitively. */
  search?: string | null;
  /** Recipes carrying this tag (exactly); markdown workflows have no tags, so a tag leaves them out. */
  tag?: string | null;
}

export type CatalogEntry = { kind: 'markdown'; workflow: Workflow } | { kind: 'recipe'; recipe: Recipe };

/** `search` as an ILIKE pattern: its own `%`, `_` and `\` match themselves. */
const pattern = (search: string) => `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

function conditions(filter: CatalogFilter) {
  const matches = filter.search ? Prisma.sql`AND (name ILIKE ${pattern(filter.search)} OR description ILIKE ${pattern(filter.search)})` : Prisma.empty;
  return {
    // A tag leaves every markdown workflow out.
    workflows: filter.tag ? Prisma.sql`AND false` : Prisma.sql`AND deleted_at IS NULL ${matches}`,
    recipes: filter.tag ? Prisma.sql`AND tags @> ARRAY[${filter.tag}]::text[] ${matches}` : matches,
  };
}

/** What to read of each kind's rows (a GraphQL selection as Prisma's `select`/`include`); all columns by default. */
export interface CatalogQueries {
  workflow?: { select?: Prisma.WorkflowSelect; include?: Prisma.WorkflowInclude };
  recipe?: { select?: Prisma.RecipeSelect; include?: Prisma.RecipeInclude };
}

/** A narrowed selection still reads the columns that tell the kinds apart and place a row. */
const withKeys = <Q extends { select?: object }>(query: Q | undefined, keys: Record<string, true>) => (query?.select ? { ...query, select: { ...query.select, ...keys } } : (query ?? {}));

/**
 * One page, read in three statements whatever its size: the page's ids (each kind's first offset +
 * limit by its created_at index, merged), then the rows of each kind.
 */
export async function catalogPage(db: Db, tenantId: string, filter: CatalogFilter, offset: number, limit: number, queries: CatalogQueries = {}): Promise<CatalogEntry[]> {
  const where = conditions(filter);
  const top = offset + limit;
  const page = await db.$queryRaw<{ kind: 'markdown' | 'recipe'; id: string }[]>`
    SELECT kind, id FROM (
      (SELECT 'markdown' AS kind, id, created_at FROM workflows WHERE tenant_id = ${tenantId} ${where.workflows} ORDER BY created_at DESC, id DESC LIMIT ${top})
      UNION ALL
      (SELECT 'recipe' AS kind, id, created_at FROM recipes WHERE tenant_id = ${tenantId} ${where.recipes} ORDER BY created_at DESC, id DESC LIMIT ${top})
    ) entries ORDER BY created_at DESC, id DESC OFFSET ${offset} LIMIT ${limit}`;
  const ids = (kind: string) => page.filter((entry) => entry.kind === kind).map((entry) => entry.id);
  const [workflows, recipes] = await Promise.all([
    ids('markdown').length ? db.workflow.findMany({ ...withKeys(queries.workflow, { id: true }), where: { tenantId, id: { in: ids('markdown') } } }) : [],
    ids('recipe').length ? db.recipe.findMany({ ...withKeys(queries.recipe, { id: true, templateId: true }), where: { tenantId, id: { in: ids('recipe') } } }) : [],
  ]);
  const rows = new Map<string, CatalogEntry>([
    ...(workflows as Workflow[]).map((workflow) => [workflow.id, { kind: 'markdown', workflow }] as const),
    ...(recipes as Recipe[]).map((recipe) => [recipe.id, { kind: 'recipe', recipe }] as const),
  ]);
  // A row deleted between the two reads is left out rather than shown half.
  return page.flatMap((entry) => rows.get(entry.id) ?? []);
}

export async function catalogCount(db: Db, tenantId: string, filter: CatalogFilter): Promise<number> {
  const where = conditions(filter);
  const [row] = await db.$queryRaw<{ total: number }[]>`
    SELECT ((SELECT count(*) FROM workflows WHERE tenant_id = ${tenantId} ${where.workflows}) + (SELECT count(*) FROM recipes WHERE tenant_id = ${tenantId} ${where.recipes}))::int AS total`;
  return row.total;
}
