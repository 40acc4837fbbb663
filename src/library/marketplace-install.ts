import type { ModelRegistry } from '../compiler/models.ts';
import { isRecord } from '../recipes/fields.ts';
import type { Db, Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { itemNotFound, type AgentSnapshot } from './marketplace.ts';
import type { RecipeJson } from './recipe-fields.ts';
import { insertRecipe } from './recipes.ts';

export interface ClonedItem {
  type: 'agent' | 'recipe';
  id: string;
  name: string;
  templateId: string | null;
}

/** `name`, or `name (Copy)`, `name (Copy 2)`, … : the first the workspace does not have. */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name} (Copy${n === 2 ? '' : ` ${n - 1}`})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** `slug`, or `slug-copy`, `slug-copy-2`, …, kept within the 100 characters of a template_id. */
function freeTemplateId(slug: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : n === 2 ? '-copy' : `-copy-${n - 1}`;
    const candidate = `${slug.slice(0, 100 - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

async function cloneAgents(tx: Tx, tenantId: string, snapshots: AgentSnapshot[], warnings: string[]) {
  const names = new Set((await tx.agent.findMany({ where: { tenantId }, select: { name: true } })).map((agent) => agent.name));
  const servers = new Set((await tx.toolServer.findMany({ where: { tenantId }, select: { alias: true } })).map((server) => server.alias));
  const clones = new Map<string, { id: string; name: string }>();
  for (const snapshot of snapshots) {
    const name = freeName(snapshot.name, names);
    names.add(name);
    const agent = await tx.agent.create({
      data: { id: newId('agent'), tenantId, name, description: snapshot.description, model: snapshot.model, systemPrompt: snapshot.system_prompt, tools: snapshot.tools, maxIterations: snapshot.max_iterations },
    });
    clones.set(snapshot.id, { id: agent.id, name });
    const missing = snapshot.tools.filter((alias) => !servers.has(alias));
    if (missing.length) warnings.push(`Agent "${name}" uses the tool server${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this workspace has not registered: add ${missing.length > 1 ? 'them' : 'it'} (POST /api/tool-servers) before running the recipe with Claude`);
  }
  return clones;
}

/**
 * Installs an approved item: clones the agents it runs into the workspace, then the recipe with its
 * steps (and its judge) pointing at those clones, under a name and template_id the workspace does not have
 * yet. Installs into one workspace run one at a time (an advisory lock), so concurrent installs of
 * one item get distinct template_ids; `install_count` counts each.
 */
export async function installItem(db: Db, tenantId: string, itemId: string, models: ModelRegistry) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`marketplace-install:${tenantId}`}))`;
    const [item] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM marketplace_items WHERE id = ${itemId} AND status = 'approved' FOR UPDATE`;
    if (!item) throw itemNotFound(itemId);
    const listed = await tx.marketplaceItem.update({ where: { id: itemId }, data: { installCount: { increment: 1 } } });
    const warnings: string[] = [];
    const clones = await cloneAgents(tx, tenantId, listed.agents as unknown as AgentSnapshot[], warnings);
    const existing = await tx.recipe.findMany({ where: { tenantId }, select: { name: true, templateId: true } });
    const shared = listed.recipe as RecipeJson;
    const cloneOf = (value: unknown) => (isRecord(value) && typeof value.agent_id === 'string' && clones.has(value.agent_id) ? { ...value, agent_id: clones.get(value.agent_id)!.id } : value);
    const steps = (shared.steps as unknown[]).map(cloneOf);
    const config = shared.execution_config;
    const executionConfig = isRecord(config) && config.judge ? { ...config, judge: cloneOf(config.judge) } : config;
    const recipe = await insertRecipe(
      tx, tenantId,
      { ...shared, steps, execution_config: executionConfig, schedule_config: null, is_public: true, is_featured: false, name: freeName(listed.name, new Set(existing.map((row) => row.name))), template_id: freeTemplateId(listed.templateId, new Set(existing.map((row) => row.templateId))) },
      models, [], { clonedFromId: listed.id },
    );
    const cloned: ClonedItem[] = [
      ...[...clones.values()].map((agent) => ({ type: 'agent' as const, id: agent.id, name: agent.name, templateId: null })),
      { type: 'recipe', id: recipe.id, name: recipe.name, templateId: recipe.templateId },
    ];
    return { item: listed, recipe, cloned, warnings };
  });
}
