import type { StoredAgent } from '../../src/recipes/agent.ts';

/** The workspace's agents the recipe tests compile against. */
export const agents: StoredAgent[] = [
  { id: 'agent_research', name: 'Researcher', description: 'Finds and checks facts.', model: 'sonnet', systemPrompt: null, tools: ['web'], maxIterations: 12, status: 'active' },
  { id: 'agent_writer', name: 'Writer', description: 'Writes clear prose.', model: 'haiku', systemPrompt: 'You write short, clear articles.', tools: [], maxIterations: 25, status: 'active' },
  { id: 'agent_editor', name: 'Editor', description: 'Edits drafts.', model: 'claude-opus-4-1', systemPrompt: '   ', tools: ['style'], maxIterations: 0, status: 'active' },
  { id: 'agent_retired', name: 'Retired', description: 'No longer used.', model: 'sonnet', systemPrompt: null, tools: [], maxIterations: 25, status: 'inactive' },
  { id: 'agent_strange', name: 'Strange', description: 'Uses a model nobody knows.', model: 'gpt-9', systemPrompt: null, tools: [], maxIterations: 25, status: 'active' },
];

type Step = Record<string, unknown>;

/** A step with the required fields filled in. */
export const step = (stepId: string, order: number, prompt: string, extra: Step = {}): Step => ({ step_id: stepId, order, agent_id: 'agent_research', prompt_template: prompt, ...extra });

export const recipe = (steps: Step[], extra: Record<string, unknown> = {}) => ({ name: 'Test recipe', description: 'A recipe under test.', steps, ...extra });
