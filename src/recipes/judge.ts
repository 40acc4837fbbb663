import { parsedOutput } from './quality.ts';

// The judged dimension (issue #16): a model grades an execution's final output against the recipe's
// description, its `outputs` schema and the given criteria. A sixth figure beside the documented
// five, never mixed into them.

/** `execution_config.judge`, or the GraphQL argument: which stored agent judges, and by what. */
export interface JudgeConfig {
  agentId: string;
  criteria: string;
}

export interface Verdict {
  score: number;
  reasons: string[];
}

/** What the judge must answer: the offline model answers this shape, so judging is deterministic offline. */
export const VERDICT_SHAPE = { score: 'number', reasons: ['string'] };

export const MAX_CRITERIA = 4000;
/** The final output is cut to this many characters for the judge: a grade needs no more. */
const MAX_OUTPUT = 50_000;

export const JUDGE_SYSTEM =
  'You grade the final output of an automated workflow. Judge only the output you are given, against the workflow\'s purpose, ' +
  'its expected output fields and the criteria. Answer with one JSON object and nothing else: ' +
  '{"score": <a number from 0 (useless) to 1 (fully meets the purpose and every criterion)>, "reasons": [<short sentences, each one finding>]}';

/** `execution_config.judge` as written: null when absent; a problem message when malformed. */
export function readJudge(value: unknown): JudgeConfig | null | string {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return '`judge` must be an object {agent_id, criteria}.';
  const { agent_id: agentId, criteria = '', ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) return `\`judge\` has agent_id and criteria only, not ${unknown.map((name) => `\`${name}\``).join(', ')}.`;
  if (typeof agentId !== 'string' || !agentId) return '`judge.agent_id` is required: the id of the stored agent that grades the output.';
  if (typeof criteria !== 'string' || criteria.length > MAX_CRITERIA) return `\`judge.criteria\` is a text of at most ${MAX_CRITERIA} characters.`;
  return { agentId, criteria };
}

export function judgePrompt(recipe: { name: string; description: string; outputs: unknown }, criteria: string, output: string): string {
  const fields = recipe.outputs && typeof recipe.outputs === 'object' && Object.keys(recipe.outputs).length ? JSON.stringify(recipe.outputs, null, 2) : '(none declared)';
  const shown = output.length > MAX_OUTPUT ? `${output.slice(0, MAX_OUTPUT)}\n[… cut at ${MAX_OUTPUT} characters]` : output;
  return [
    `Workflow: ${recipe.name}`,
    `Purpose: ${recipe.description || '(no description)'}`,
    `Expected output fields: ${fields}`,
    `Criteria: ${criteria.trim() || '(none beyond the purpose)'}`,
    '',
    'Final output:',
    '<output>',
    shown,
    '</output>',
  ].join('\n');
}

/** The judge's answer as a verdict, or why it is not one. A score outside [0, 1] is refused, not clamped: the judge misread the scale. */
export function readVerdict(text: string): Verdict | { error: string } {
  const answer = parsedOutput(text) ?? parsedOutput(/\{[\s\S]*\}/.exec(text)?.[0] ?? null);
  if (!answer) return { error: `The judge did not answer with a JSON object: ${JSON.stringify(text.slice(0, 200))}` };
  const { score, reasons } = answer;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) return { error: `The judge's score must be a number from 0 to 1, not ${JSON.stringify(score)}` };
  const list = Array.isArray(reasons) ? reasons.filter((reason): reason is string => typeof reason === 'string') : typeof reasons === 'string' ? [reasons] : [];
  return { score: Math.round(score * 10_000) / 10_000, reasons: list.slice(0, 20).map((reason) => reason.slice(0, 1000)) };
}
