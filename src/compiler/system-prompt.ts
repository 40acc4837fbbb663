import type { AgentDraft } from './agents.ts';
import type { StepDraft } from './steps.ts';

/**
 * The system prompt of an agent: who it is (name and description), the workflow it serves, and its
 * place in it (its steps and the other agents). Part of the plan, so people can read what the model
 * is told.
 */
export function systemPrompt(agent: Pick<AgentDraft, 'id' | 'name' | 'description'>, workflow: { name: string; description: string }, agents: Pick<AgentDraft, 'id' | 'name'>[], steps: Pick<StepDraft, 'agent' | 'title'>[]): string {
  const own = steps.filter((step) => step.agent === agent.id).map((step) => step.title);
  const others = agents.filter((other) => other.id !== agent.id).map((other) => other.name);
  const lines = [
    `You are ${agent.name}, an agent in the workflow "${workflow.name}".`,
    ...(workflow.description ? [`The workflow: ${workflow.description.replace(/\s+/g, ' ').trim()}`] : []),
    '',
    agent.description.trim(),
    '',
    own.length > 0 ? `In this workflow you carry out: ${own.join(', ')}.` : 'No step of this workflow uses you yet.',
    ...(others.length > 0 ? [`The other agents are: ${others.join(', ')}. Their results reach you in your instructions when you need them.`] : []),
    'Answer with the result of the step you are given, ready to be used as it is: it is passed on to the next steps.',
  ];
  return lines.join('\n');
}
