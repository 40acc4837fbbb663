import { z } from 'zod';
import { queryInteger } from '../input.ts';

// The marketplace (spec recipes-api.md §6): submit and install as the product document names them,
// and the approval path it lacked (`/api/marketplace/items`).

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const STATUSES = ['pending', 'approved', 'rejected'] as const;

export const SubmitBody = z.strictObject({
  recipe_id: z.string().optional().describe("The recipe's template_id (or its rcp_… id)"),
  template_id: z.string().optional().describe('The same as recipe_id, by its other name'),
  category: z.string().nullish().describe('Shown in the marketplace; default: the first tag'),
  icon: z.string().nullish(),
});

export const Submitted = z.object({
  success: z.literal(true),
  message: z.string(),
  item_id: z.string().describe('mkt_…'),
  auto_approved: z.boolean().describe('True when the author has 5 or more approved items; else the item waits for an administrator'),
});

const AgentSnapshot = z.object({
  id: z.string().describe("The author's agent id, which the steps name; an install rewrites them to its clones"),
  name: z.string(),
  description: z.string(),
  model: z.string(),
  system_prompt: z.string().nullable(),
  tools: z.array(z.string()).describe('Tool server aliases the installing workspace needs'),
  max_iterations: z.number().int(),
});

export const MarketplaceItem = z.object({
  id: z.string().describe('mkt_…'),
  type: z.literal('recipe'),
  status: z.enum(STATUSES).describe('Only administrators and the author see pending and rejected items'),
  name: z.string(),
  description: z.string(),
  template_id: z.string(),
  category: z.string().nullable(),
  icon: z.string().nullable(),
  tags: z.array(z.string()),
  steps_count: z.number().int(),
  agents: z.array(AgentSnapshot),
  install_count: z.number().int(),
  is_mine: z.boolean().describe("Whether the caller's workspace submitted it"),
  review_note: z.string().nullable().describe('Why it was rejected'),
  reviewed_at: timestamp.nullable(),
  created_at: timestamp,
});

export const MarketplaceItemDetail = MarketplaceItem.extend({
  recipe: z.record(z.string(), z.unknown()).describe("The recipe's JSON as submitted (steps, inputs, outputs, execution_config, …), without its schedule"),
});

export const MarketplaceList = z.object({ items: z.array(MarketplaceItem), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const MarketplaceListQuery = z.object({
  type: z.enum(['recipe']).optional().describe('recipe (the only kind)'),
  status: z.enum(STATUSES).optional().describe('Only this status (of the items you may see)'),
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
});

export const RejectBody = z.strictObject({ reason: z.string().nullish().describe("Shown to the author as review_note") });

export const Installed = z.object({
  success: z.literal(true),
  message: z.string(),
  cloned_items: z.array(z.object({ type: z.enum(['agent', 'recipe']), name: z.string(), id: z.string(), template_id: z.string().nullable() })),
  warnings: z.array(z.string()).describe('What to do before the recipe runs as its author ran it (tool servers to register)'),
});
