import { builder } from '../builder.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { findItem, MARKETPLACE_STATUSES, reviewItem, submitRecipe, visibleItems, type MarketplaceStatus } from '../library/marketplace.ts';
import { installItem, type ClonedItem } from '../library/marketplace-install.ts';
import type { RecipeJson } from '../library/recipe-fields.ts';

// The marketplace (spec recipes-api.md §6): the only rows one tenant reads of another's, and only
// what was submitted (the recipe's JSON and the agents its steps run).

const MarketplaceStatusEnum = builder.enumType('MarketplaceStatus', {
  description: '`PENDING` waits for an administrator; `APPROVED` is listed for every tenant; `REJECTED` is not.',
  values: Object.fromEntries(MARKETPLACE_STATUSES.map((status) => [status.toUpperCase(), { value: status }])) as Record<string, { value: MarketplaceStatus }>,
});

const ItemRef = builder.prismaObject('MarketplaceItem', {
  description: 'A recipe shared in the marketplace, frozen as submitted, with the agents its steps run.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: '`recipe`.' }),
    status: t.field({ type: MarketplaceStatusEnum, resolve: (item) => item.status as MarketplaceStatus }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    templateId: t.exposeString('templateId', { description: "The author's template_id; an install takes it, or a free variant of it." }),
    category: t.exposeString('category', { nullable: true, description: 'As submitted, else the first tag.' }),
    icon: t.exposeString('icon', { nullable: true }),
    tags: t.exposeStringList('tags'),
    recipe: t.expose('recipe', { type: 'JSON', description: "The recipe's JSON as the recipe API writes it (steps, inputs, outputs, execution_config, …), without its schedule." }),
    stepsCount: t.int({ resolve: (item) => ((item.recipe as RecipeJson).steps as unknown[]).length }),
    agents: t.expose('agents', { type: 'JSON', description: '`[{id, name, description, model, system_prompt, tools, max_iterations}]`: what an install clones.' }),
    installCount: t.exposeInt('installCount'),
    isMine: t.boolean({ description: "Whether the caller's tenant submitted it.", resolve: (item, _args, ctx) => item.authorTenantId === ctx.tenant.id }),
    reviewNote: t.exposeString('reviewNote', { nullable: true, description: 'Why an administrator rejected it.' }),
    reviewedAt: t.expose('reviewedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Submission = builder.objectRef<{ item: typeof ItemRef.$inferType }>('MarketplaceSubmission').implement({
  description: 'A recipe submitted: listed at once when its author is trusted (5 approved items), else waiting for an administrator.',
  fields: (t) => ({
    item: t.field({ type: ItemRef, resolve: (submission) => submission.item }),
    autoApproved: t.boolean({ resolve: (submission) => submission.item.status === 'approved' }),
  }),
});

const ClonedRef = builder.objectRef<ClonedItem>('MarketplaceClone').implement({
  description: 'Something an install created in the workspace.',
  fields: (t) => ({
    type: t.exposeString('type', { description: '`agent` or `recipe`.' }),
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    templateId: t.exposeString('templateId', { nullable: true, description: "The recipe's template_id (null for agents)." }),
  }),
});

const Install = builder.objectRef<Awaited<ReturnType<typeof installItem>>>('MarketplaceInstall').implement({
  description: "An installed item: the workspace's own copies of its agents and its recipe, the recipe's steps pointing at those copies.",
  fields: (t) => ({
    item: t.field({ type: ItemRef, resolve: (install) => install.item }),
    recipe: t.prismaField({ type: 'Recipe', resolve: (query, install, _args, ctx) => ctx.db.recipe.findUniqueOrThrow({ ...query, where: { id: install.recipe.id } }) }),
    cloned: t.field({ type: [ClonedRef], resolve: (install) => install.cloned }),
    warnings: t.stringList({ description: 'What to do before the recipe can run as its author ran it (tool servers to register).', resolve: (install) => install.warnings }),
  }),
});

builder.queryFields((t) => ({
  marketplaceItems: t.prismaConnection(
    {
      type: 'MarketplaceItem',
      cursor: 'id',
      description: 'Approved items for everyone, your own submissions, and for administrators every item; most installed first.',
      args: {
        status: t.arg({ type: MarketplaceStatusEnum }),
        offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }),
      },
      resolve: (query, _root, { status, offset }, ctx) =>
        ctx.db.marketplaceItem.findMany({
          ...query,
          skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)),
          where: visibleItems(ctx.tenant, status),
          orderBy: [{ installCount: 'desc' }, { id: 'asc' }],
        }),
      totalCount: (_root, { status }, ctx) => ctx.db.marketplaceItem.count({ where: visibleItems(ctx.tenant, status) }),
    },
    { name: 'MarketplaceItemConnection' },
    { name: 'MarketplaceItemEdge' },
  ),
  marketplaceItem: t.prismaField({
    type: 'MarketplaceItem',
    nullable: true,
    description: 'One item you may see (see marketplaceItems), or null.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => findItem(ctx.db, ctx.tenant, String(id)).catch((error) => (error instanceof NotFoundError ? null : Promise.reject(error))),
  }),
}));

builder.mutationFields((t) => ({
  submitRecipeToMarketplace: t.field({
    type: Submission,
    description: "Shares one of the workspace's recipes, frozen with the agents its steps run. A listed item of the same name is a ValidationError.",
    errors: { types: [NotFoundError, ValidationError] },
    args: { recipeId: t.arg.id({ required: true, description: "The recipe's id (rcp_…) or template_id." }), category: t.arg.string(), icon: t.arg.string() },
    resolve: async (_root, { recipeId, category, icon }, ctx) => ({ item: await submitRecipe(ctx.db, ctx.tenant.id, String(recipeId), { category, icon }) }),
  }),
  approveMarketplaceItem: t.prismaField({
    type: 'MarketplaceItem',
    description: 'Lists an item for every tenant. Administrators only (ForbiddenError otherwise).',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => reviewItem(ctx.db, ctx.tenant, String(id), 'approved'),
  }),
  rejectMarketplaceItem: t.prismaField({
    type: 'MarketplaceItem',
    description: 'Unlists an item, saying why (its author reads `reviewNote`). Administrators only (ForbiddenError otherwise).',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_query, _root, { id, reason }, ctx) => reviewItem(ctx.db, ctx.tenant, String(id), 'rejected', reason),
  }),
  installMarketplaceItem: t.field({
    type: Install,
    description: 'Installs an approved item into the workspace: its agents and its recipe, cloned (a name or template_id the workspace has gets " (Copy)" or "-copy").',
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => installItem(ctx.db, ctx.tenant.id, String(id), ctx.models),
  }),
}));
