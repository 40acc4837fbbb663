import type { z } from 'zod';
import type { ApiMarketplaceItemFragment, MarketplaceStatus } from '../../src/generated/graphql/graphql.ts';
import { failIfError, RestError } from '../graphql.ts';
import { found, type RestRoute } from '../route.ts';
import * as op from './marketplace-operations.ts';
import * as schema from './marketplace-schemas.ts';

const ITEMS = '/api/marketplace/items';
const ITEM_ID = 'mkt_0h3bq9c2m1x8v7k4l5p6n2r1t';

type Item = z.infer<typeof schema.MarketplaceItem>;

const item = (i: ApiMarketplaceItemFragment): Item => ({
  id: i.id,
  type: 'recipe',
  status: i.status.toLowerCase() as Item['status'],
  name: i.name,
  description: i.description,
  template_id: i.templateId,
  category: i.category ?? null,
  icon: i.icon ?? null,
  tags: i.tags,
  steps_count: i.stepsCount,
  agents: i.agents as Item['agents'],
  install_count: i.installCount,
  is_mine: i.isMine,
  review_note: i.reviewNote ?? null,
  reviewed_at: i.reviewedAt ?? null,
  created_at: i.createdAt,
});

const example: Item = {
  id: ITEM_ID,
  type: 'recipe',
  status: 'approved',
  name: 'Weekly digest',
  description: 'Researches a topic and writes a digest.',
  template_id: 'weekly-digest',
  category: 'research',
  icon: null,
  tags: ['research'],
  steps_count: 2,
  agents: [{ id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', name: 'Analyst', description: 'Analyses.', model: 'sonnet', system_prompt: null, tools: [], max_iterations: 25 }],
  install_count: 3,
  is_mine: false,
  review_note: null,
  reviewed_at: '2026-02-27T10:30:00.000Z',
  created_at: '2026-02-27T10:00:00.000Z',
};

const review = (decision: 'approve' | 'reject'): RestRoute => ({
  method: 'POST',
  path: `${ITEMS}/:id/${decision}`,
  operationId: `${decision}MarketplaceItem`,
  summary:
    decision === 'approve'
      ? 'Lists an item for every workspace. Admin keys only (403 otherwise); 400 when another listed item has its name.'
      : 'Unlists an item; `reason` is shown to its author as review_note. Admin keys only (403 otherwise).',
  status: 200,
  ...(decision === 'reject' ? { body: schema.RejectBody } : {}),
  response: schema.MarketplaceItem,
  example: decision === 'approve' ? example : { ...example, status: 'rejected', review_note: 'Prompts reference a private system' },
  errors: [400, 403, 404],
  async handle({ params, body, run }) {
    if (decision === 'approve') return item(failIfError((await run(op.ApproveItem, { id: params.id })).approveMarketplaceItem));
    return item(failIfError((await run(op.RejectItem, { id: params.id, reason: (body.reason as string | null | undefined) ?? null })).rejectMarketplaceItem));
  },
});

/** Before the recipe routes: `install/{id}` is not a recipe called "install". */
export const marketplaceRoutes = (): RestRoute[] => [
  {
    method: 'POST',
    path: '/api/workflow-recipes/submit',
    operationId: 'submitRecipeToMarketplace',
    summary:
      "Shares one of the workspace's recipes in the marketplace, frozen with the agents its steps run. Approved at once when the workspace already has 5 approved items, else it waits for an administrator. 404 for an unknown recipe; 400 when a listed item has the same name.",
    status: 200,
    body: schema.SubmitBody,
    response: schema.Submitted,
    example: { success: true, message: 'Submitted "Weekly digest"; an administrator will review it', item_id: ITEM_ID, auto_approved: false },
    errors: [400, 404],
    async handle({ body, run }) {
      const recipeId = body.recipe_id ?? body.template_id;
      if (typeof recipeId !== 'string') throw new RestError(400, 'Bad request', '`recipe_id` is required: the template_id of the recipe to submit');
      const submitted = failIfError(
        (await run(op.SubmitRecipe, { recipeId, category: (body.category as string | null | undefined) ?? null, icon: (body.icon as string | null | undefined) ?? null })).submitRecipeToMarketplace,
      );
      const name = submitted.item.name;
      const message = submitted.autoApproved ? `Published "${name}" in the marketplace` : `Submitted "${name}"; an administrator will review it`;
      return { success: true, message, item_id: submitted.item.id, auto_approved: submitted.autoApproved };
    },
  },
  {
    method: 'POST',
    path: '/api/workflow-recipes/install/:id',
    operationId: 'installMarketplaceRecipe',
    summary:
      "Installs an approved marketplace recipe: clones the agents its steps run and the recipe, its steps pointing at the clones. A name the workspace has gets \" (Copy)\", a template_id \"-copy\". 404 unless the item is approved.",
    status: 200,
    response: schema.Installed,
    example: {
      success: true,
      message: 'Installed "Weekly digest" with 1 agent',
      cloned_items: [
        { type: 'agent', name: 'Analyst', id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', template_id: null },
        { type: 'recipe', name: 'Weekly digest', id: 'rcp_1k2bq9c2m1x8v7k4l5p6n2r1t', template_id: 'weekly-digest' },
      ],
      warnings: [],
    },
    errors: [400, 404],
    async handle({ params, run }) {
      const installed = failIfError((await run(op.InstallItem, { id: params.id })).installMarketplaceItem);
      const agents = installed.cloned.filter((clone) => clone.type === 'agent').length;
      return {
        success: true,
        message: `Installed "${installed.item.name}" with ${agents} agent${agents === 1 ? '' : 's'}`,
        cloned_items: installed.cloned.map((clone) => ({ type: clone.type as 'agent' | 'recipe', name: clone.name, id: clone.id, template_id: clone.templateId ?? null })),
        warnings: installed.warnings,
      };
    },
  },
  {
    method: 'GET',
    path: ITEMS,
    operationId: 'listMarketplaceItems',
    summary: 'The marketplace: approved items for every workspace, your own submissions, and for admin keys every pending and rejected item too; most installed first, offset-paged.',
    status: 200,
    query: schema.MarketplaceListQuery,
    response: schema.MarketplaceList,
    example: { items: [example], total: 1, skip: 0, limit: 50 },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const status = query.status === undefined ? null : (String(query.status).toUpperCase() as MarketplaceStatus);
      const { marketplaceItems } = await run(op.ListMarketplaceItems, { first: limit, offset: skip, status });
      return { items: marketplaceItems.edges.map((edge) => item(edge.node)), total: marketplaceItems.totalCount, skip, limit };
    },
  },
  {
    method: 'GET',
    path: `${ITEMS}/:id`,
    operationId: 'getMarketplaceItem',
    summary: "One item you may see, with the recipe's JSON as submitted.",
    status: 200,
    response: schema.MarketplaceItemDetail,
    example: { ...example, recipe: { template_id: 'weekly-digest', name: 'Weekly digest', steps: [] } },
    errors: [404],
    async handle({ params, run }) {
      const listed = found((await run(op.GetMarketplaceItem, { id: params.id })).marketplaceItem, 'Marketplace item', params.id);
      return { ...item(listed), recipe: listed.recipe as Record<string, unknown> };
    },
  },
  review('approve'),
  review('reject'),
];
