import type { Section } from './document.ts';
import { DEFAULT_ALIAS, resolveModel, type ModelRegistry } from './models.ts';
import { didYouMean, type Notes, type Position } from './notes.ts';
import type { PlanAgent } from './plan.ts';
import { readBody, type Property } from './properties.ts';
import { slug } from './slug.ts';
import { decimal, integer, list } from './values.ts';

export const AGENT_KEYS = ['Model', 'Tools', 'Temperature', 'Max tokens'] as const;

export type AgentDraft = Omit<PlanAgent, 'systemPrompt'> & { at: Position };

/** Resolves a `Model:` property through the registry, reporting an unknown one. */
export function modelOf(property: Property, registry: ModelRegistry, notes: Notes): string | undefined {
  const id = resolveModel(registry, property.value);
  if (!id) {
    const aliases = Object.keys(registry).map((alias) => alias[0].toUpperCase() + alias.slice(1));
    notes.error('UNKNOWN_MODEL', `\`${property.value}\` is not a model alias (${aliases.join(', ')}) or a model id such as \`claude-sonnet-4-5\`.${didYouMean(property.value, aliases)}`, property.valueAt);
  }
  return id;
}

/** Warns of each alias in `Tools:` that is none of the tenant's tool servers (when they are known). */
function checkTools(property: Property, aliases: string[], known: string[] | undefined, notes: Notes): void {
  if (!known) return;
  for (const alias of aliases.filter((each) => !known.includes(each))) {
    const servers = known.length ? `This workspace's tool servers: ${known.join(', ')}.` : 'This workspace has no tool servers yet.';
    notes.warning('UNKNOWN_TOOL_SERVER', `\`${alias}\` is not a tool server of this workspace, so runs on Claude will be refused until it is added.${didYouMean(alias, known)} ${servers}`, property.valueAt);
  }
}

export function readAgents(lines: string[], section: Section | undefined, registry: ModelRegistry, notes: Notes, toolServers?: string[]): AgentDraft[] {
  const agents: AgentDraft[] = [];
  for (const item of section?.items ?? []) {
    const { properties, text } = readBody(lines, item, AGENT_KEYS, notes);
    const at = { line: item.heading.line, column: item.heading.column };
    const id = slug(item.heading.text);
    if (!id) {
      notes.error('INVALID_NAME', `The agent \`${item.heading.text}\` needs a name with letters or digits: its id is made from them.`, at);
      continue;
    }
    const twin = agents.find((agent) => agent.id === id);
    if (twin) {
      notes.error('DUPLICATE_AGENT', `Two agents have the id \`${id}\` (\`${twin.name}\` on line ${twin.at.line} and \`${item.heading.text}\`); rename one.`, at);
      continue;
    }
    if (!text.trim()) notes.error('MISSING_DESCRIPTION', `Agent \`${item.heading.text}\` needs a description under its heading: it becomes the agent's instructions.`, at);
    const model = properties.get('Model');
    const temperature = properties.get('Temperature');
    const maxTokens = properties.get('Max tokens');
    const tools = properties.get('Tools');
    if (tools) checkTools(tools, list(tools), toolServers, notes);
    agents.push({
      id,
      name: item.heading.text,
      description: text,
      model: model?.value ?? DEFAULT_ALIAS,
      modelId: (model ? modelOf(model, registry, notes) : resolveModel(registry, DEFAULT_ALIAS)) ?? '',
      tools: tools ? list(tools) : [],
      temperature: temperature ? (decimal(temperature, 0, 1, notes) ?? null) : null,
      maxTokens: (maxTokens && integer(maxTokens, 1, 128_000, notes)) || 4096,
      at,
    });
  }
  return agents;
}
