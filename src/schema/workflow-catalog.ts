import { queryFromInfo } from '@pothos/plugin-prisma';
import { cursorToOffset, offsetToCursor, resolveOffsetConnection } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { ValidationError } from '../errors.ts';
import { catalogCount, catalogPage, type CatalogFilter } from '../library/workflow-catalog.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './field-cost.ts';
import { RecipeRef } from './recipe.ts';
import { WorkflowRef } from './workflow.ts';

// Markdown workflows and recipes in one list (the recipe API's GET /api/workflows).

const MAX_OFFSET = 1_000_000;
const bad = (detail: string) => new ValidationError('Bad request', detail).toGraphQL();

const CatalogWorkflow = builder.unionType('CatalogWorkflow', {
  description: 'A workflow of either kind: a markdown `Workflow` or a `Recipe`.',
  types: [WorkflowRef, RecipeRef],
  resolveType: (row) => ('templateId' in row ? 'Recipe' : 'Workflow'),
});

/** A cursor's offset, or a 400 for one that is not this list's (or points past what offsets allow). */
function offsetOf(cursor: string, name: string): number {
  let offset: number;
  try {
    offset = cursorToOffset(cursor);
  } catch {
    throw bad(`${name} is not a cursor of this list`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw bad(`${name} is not a cursor of this list`);
  return offset;
}

function filterOf(search: string | null | undefined, tag: string | null | undefined): CatalogFilter {
  if (search && search.length > 200) throw bad(`\`search\` is at most 200 characters, got ${search.length}`);
  if (tag != null && (tag.trim() === '' || tag.length > 50)) throw bad('`tag` is a recipe tag: 1 to 50 characters, not blank');
  return { search: search || null, tag: tag ?? null };
}

builder.queryField('workflowCatalog', (t) =>
  t.connection(
    {
      type: CatalogWorkflow,
      description:
        "The workspace's workflows of both kinds: markdown workflows (not deleted) and recipes (public and private), newest first (ties by id, so pages never overlap). " +
        '`search` matches name and description case-insensitively; `tag` keeps the recipes carrying that tag (markdown workflows have no tags, so it leaves them out).',
      args: {
        search: t.arg.string({ description: 'Text the name or description contains, any case (at most 200 characters).' }),
        tag: t.arg.string({ description: 'Only recipes carrying exactly this tag.' }),
        offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }),
      },
      resolve: async (_root, { search, tag, offset, ...args }, ctx, info) => {
        const filter = filterOf(search, tag);
        if (offset != null && (offset < 0 || offset > MAX_OFFSET)) throw bad(`\`offset\` must be from 0 to ${MAX_OFFSET}, got ${offset}`);
        if (args.before) offsetOf(args.before, 'before');
        if (args.after) offsetOf(args.after, 'after');
        // An offset is the cursor of the item before it: cursors stay positions in the whole list.
        const after = args.after ?? (offset ? offsetToCursor(offset - 1) : undefined);
        const connection = await resolveOffsetConnection({ args: { ...args, after }, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE }, ({ offset: start, limit }) =>
          catalogPage(ctx.db, ctx.tenant.id, filter, start, limit, {
            // Only the columns (and relations) the operation selects of each kind.
            workflow: queryFromInfo({ context: ctx, info, typeName: 'Workflow', path: ['edges', 'node'] }),
            recipe: queryFromInfo({ context: ctx, info, typeName: 'Recipe', path: ['edges', 'node'] }),
          }).then((entries) => entries.map((entry) => (entry.kind === 'markdown' ? entry.workflow : entry.recipe))),
        );
        return { ...connection, totalCount: () => catalogCount(ctx.db, ctx.tenant.id, filter) };
      },
    },
    {
      name: 'WorkflowCatalogConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many match, on every page.',
          resolve: (connection) => (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: 'WorkflowCatalogEdge' },
  ),
);
