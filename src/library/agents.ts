import { resolveModel, type ModelRegistry } from '../compiler/models.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { StoredAgent } from '../recipes/agent.ts';
import { recipesUsingAgent } from './recipes.ts';

export const AGENT_STATUSES: readonly StoredAgent['status'][] = ['active', 'inactive'];
export type AgentStatus = StoredAgent['status'];

/** What a caller may set on a stored agent (all of it on create, any of it on update): all but its id. */
export type AgentFields = Omit<StoredAgent, 'id'>;

export const AGENT_DEFAULTS: Pick<AgentFields, 'systemPrompt' | 'tools' | 'maxIterations' | 'status'> = { systemPrompt: null, tools: [], maxIterations: 25, status: 'active' };

const LIMITS = { name: 200, description: 4000, systemPrompt: 100_000, tools: 50, maxIterations: 200 };

/** Every problem of the fields at once, named by field: a ValidationError, or nothing. */
function check(fields: Partial<AgentFields>, models: ModelRegistry): void {
  const problems: string[] = [];
  if (fields.name !== undefined && !fields.name.trim()) problems.push('`name` must not be empty');
  if (fields.name !== undefined && fields.name.length > LIMITS.name) problems.push(`\`name\` is longer than ${LIMITS.name} characters`);
  if (fields.description !== undefined && fields.description.length > LIMITS.description) problems.push(`\`description\` is longer than ${LIMITS.description} characters`);
  if (fields.systemPrompt && fields.systemPrompt.length > LIMITS.systemPrompt) problems.push(`\`systemPrompt\` is longer than ${LIMITS.systemPrompt} characters`);
  if (fields.model !== undefined && !resolveModel(models, fields.model)) {
    problems.push(`\`model\` "${fields.model.slice(0, 100)}" is no model: use an alias (${Object.keys(models).join(', ')}) or a model id such as claude-sonnet-4-5`);
  }
  if (fields.tools !== undefined) {
    if (fields.tools.length > LIMITS.tools) problems.push(`\`tools\` lists more than ${LIMITS.tools} tool servers`);
    if (fields.tools.some((tool) => !/^[a-z0-9][a-z0-9_-]*$/i.test(tool))) problems.push('`tools` holds tool server aliases: letters, digits, `-` and `_`');
  }
  if (fields.maxIterations !== undefined && (!Number.isInteger(fields.maxIterations) || fields.maxIterations < 1 || fields.maxIterations > LIMITS.maxIterations)) {
    problems.push(`\`maxIterations\` must be an integer from 1 to ${LIMITS.maxIterations}`);
  }
  if (problems.length) throw new ValidationError('Invalid agent', problems.join('; '));
}

export const agentNotFound = (id: string) => new NotFoundError('Agent not found', `No agent with ID ${id} exists for this tenant`);

export async function createAgent(db: Db, tenantId: string, fields: Pick<AgentFields, 'name' | 'description' | 'model'> & Partial<AgentFields>, models: ModelRegistry) {
  const complete = { ...AGENT_DEFAULTS, ...fields };
  check(complete, models);
  return db.agent.create({ data: { id: newId('agent'), tenantId, ...complete } });
}

/** Changes the given fields only. */
export async function updateAgent(db: Db, tenantId: string, id: string, fields: Partial<AgentFields>, models: ModelRegistry) {
  check(fields, models);
  const { count } = await db.agent.updateMany({ where: { id, tenantId }, data: { ...fields, updatedAt: new Date() } });
  if (count === 0) throw agentNotFound(id);
  return db.agent.findUniqueOrThrow({ where: { id } });
}

/**
 * Deletes the agent and returns it as it was; refused while a recipe's step runs it. The row lock
 * orders this with recipe writes, which lock the agents they name (library/recipes.ts).
 */
export async function deleteAgent(db: Db, tenantId: string, id: string) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM agents WHERE id = ${id} AND tenant_id = ${tenantId} FOR UPDATE`;
    const agent = await tx.agent.findFirst({ where: { id, tenantId } });
    if (!agent) throw agentNotFound(id);
    const recipes = await recipesUsingAgent(tx, tenantId, id);
    if (recipes.length) {
      const names = recipes.map((recipe) => recipe.templateId).join(', ');
      throw new ConflictError('Agent in use', `Agent ${id} runs steps of the recipes ${names}${recipes.length === 10 ? ' (and maybe more)' : ''}; change those steps or delete those recipes first`);
    }
    await tx.agent.delete({ where: { id } });
    return agent;
  });
}
