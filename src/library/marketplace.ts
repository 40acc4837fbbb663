import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { Tenant } from '../tenancy/auth.ts';
import { readJudge } from '../recipes/judge.ts';
import { agentIdsOf, recipeJson } from './recipe-fields.ts';
import { findRecipe } from './recipes.ts';

/** An author with this many approved items is trusted: their submissions are approved at once (spec §6). */
export const TRUSTED_AUTHOR_ITEMS = 5;

export const MARKETPLACE_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type MarketplaceStatus = (typeof MARKETPLACE_STATUSES)[number];

/** What an item keeps of an agent: enough to clone it, nothing of the author's workspace besides. */
export interface AgentSnapshot {
  id: string;
  name: string;
  description: string;
  model: string;
  system_prompt: string | null;
  tools: string[];
  max_iterations: number;
}

export const itemNotFound = (id: string) => new NotFoundError('Marketplace item not found', `No marketplace item with ID ${id} is listed for you`);

const LIMITS = { category: 100, icon: 200, reason: 2000 };

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002' || /marketplace_items_listed_name_key/.test(String((error as Error).message));

/**
 * The items the caller may see: approved ones to everyone, a tenant's own submissions to it, and
 * every pending or rejected one to administrators.
 */
export function visibleItems(caller: Tenant, status?: MarketplaceStatus | null): Prisma.MarketplaceItemWhereInput {
  const visible: Prisma.MarketplaceItemWhereInput = caller.role === 'admin' ? {} : { OR: [{ status: 'approved' }, { authorTenantId: caller.id }] };
  return { type: 'recipe', ...visible, ...(status ? { status } : {}) };
}

export async function findItem(db: Db, caller: Tenant, id: string) {
  const item = await db.marketplaceItem.findFirst({ where: { id, ...visibleItems(caller) } });
  if (!item) throw itemNotFound(id);
  return item;
}

/**
 * Freezes one of the workspace's recipes and the agents its steps run into a marketplace item.
 * Approved at once when its author is trusted; otherwise it waits for an administrator. A listed item
 * of the same name (case-insensitively) is a ValidationError, as the product answers 400.
 */
export async function submitRecipe(db: Db, tenantId: string, ref: string, listing: { category?: string | null; icon?: string | null }) {
  const category = listing.category ?? null;
  const icon = listing.icon ?? null;
  if (category !== null && (!category.trim() || category.length > LIMITS.category)) throw new ValidationError('Bad request', `\`category\` is a non-empty text of at most ${LIMITS.category} characters`);
  if (icon !== null && icon.length > LIMITS.icon) throw new ValidationError('Bad request', `\`icon\` is at most ${LIMITS.icon} characters`);
  let name = ref;
  try {
    return await db.$transaction(async (tx) => {
      const recipe = await findRecipe(tx, tenantId, ref);
      name = recipe.name;
      // The agents the steps run, and the judge of its assessments: an install clones them all.
      const judge = readJudge((recipe.executionConfig as { judge?: unknown } | null)?.judge);
      const ids = [...agentIdsOf(recipe.steps), ...(judge && typeof judge !== 'string' ? [judge.agentId] : [])];
      const agents = await tx.agent.findMany({ where: { tenantId, id: { in: ids } }, orderBy: { id: 'asc' } });
      const snapshots: AgentSnapshot[] = agents.map((agent) => ({
        id: agent.id, name: agent.name, description: agent.description, model: agent.model, system_prompt: agent.systemPrompt, tools: agent.tools, max_iterations: agent.maxIterations,
      }));
      // A recipe's schedule and listing flags belong to its workspace, not to what is shared.
      const { schedule_config: _schedule, is_public: _public, is_featured: _featured, ...shared } = recipeJson(recipe);
      const trusted = (await tx.marketplaceItem.count({ where: { authorTenantId: tenantId, status: 'approved' } })) >= TRUSTED_AUTHOR_ITEMS;
      return tx.marketplaceItem.create({
        data: {
          id: newId('mkt'), authorTenantId: tenantId, sourceId: recipe.id, templateId: recipe.templateId, name: recipe.name, description: recipe.description,
          category: category ?? recipe.tags[0] ?? null, icon, tags: recipe.tags, recipe: shared as Prisma.InputJsonValue, agents: snapshots as unknown as Prisma.InputJsonValue,
          status: trusted ? 'approved' : 'pending', reviewedAt: trusted ? new Date() : null,
        },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ValidationError('Name already in the marketplace', `A marketplace recipe named "${name}" is already listed; rename your recipe before submitting it`);
    throw error;
  }
}

/** An administrator's decision on an item: approve lists it for every tenant, reject (with a reason) unlists it. */
export async function reviewItem(db: Db, caller: Tenant, id: string, decision: 'approved' | 'rejected', reason?: string | null) {
  // An item the caller cannot see is not found (404) before it is forbidden (403).
  await findItem(db, caller, id);
  if (caller.role !== 'admin') throw new ForbiddenError('Administrators only', 'Only an admin API key may review marketplace items (baton key create --tenant <id> --role admin)');
  if (reason && reason.length > LIMITS.reason) throw new ValidationError('Bad request', `\`reason\` is at most ${LIMITS.reason} characters`);
  try {
    const { count } = await db.marketplaceItem.updateMany({ where: { id }, data: { status: decision, reviewNote: decision === 'rejected' ? (reason ?? null) : null, reviewedAt: new Date() } });
    if (count === 0) throw itemNotFound(id);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ValidationError('Name already in the marketplace', `Another listed marketplace item has this item's name; reject that one first`);
    throw error;
  }
  return db.marketplaceItem.findUniqueOrThrow({ where: { id } });
}
