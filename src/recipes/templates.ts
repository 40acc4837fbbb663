import type { PlanInput } from '../compiler/plan.ts';
import { didYouMean } from '../compiler/notes.ts';
import type { Graph } from './graph.ts';
import { field, type Problems } from './problems.ts';
import type { RecipeStep } from './steps.ts';

/**
 * A placeholder is `{name}` or `{name.name…}` with names of letters, digits and _ and nothing else
 * inside the braces; everything else (`{"a": 1}`, `{ x }`, `{}`) is literal text. A backslash
 * before it makes it literal too: `\{topic}` gives `{topic}`.
 */
const PLACEHOLDER = /(\\?)\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;
const STEP_OUTPUT = /^step_(\d+)_output$/;
const MAX_LISTED = 20;

export interface TemplateScope {
  inputs: PlanInput[];
  steps: RecipeStep[];
  graph: Graph;
  problems: Problems;
}

/** Literal text for the plan: the engine reads `{{` as a template, so it is written `\{{`. */
export const literal = (text: string) => text.replaceAll('{{', '\\{{');

const outputOf = (step: RecipeStep) => `{{steps.${step.id}.output}}`;
const heading = (step: RecipeStep) => literal((step.stepId ?? step.id).replace(/\s+/g, ' ').trim());

/** Each step's output under its own heading: how several outputs are put in one prompt. */
function outputs(steps: RecipeStep[], level: string): string {
  return steps.length === 1 ? outputOf(steps[0]) : steps.map((step) => `${level} ${heading(step)}\n\n${outputOf(step)}`).join('\n\n');
}

/** What `step`'s template may name, for messages. */
function available(scope: TemplateScope, step: RecipeStep): string {
  const names = scope.inputs.map((input) => `{input.${input.name}}`);
  if (scope.graph.previous(step).length > 0) names.push('{previous_output}');
  for (const other of scope.graph.sequence) {
    if (other === step || (scope.graph.upstream && !scope.graph.upstream(other, step))) continue;
    if (other.order !== undefined && Number.isInteger(other.order) && other.order >= 0) names.push(`{step_${other.order}_output}`);
    if (other.outputKey !== undefined && other.outputKey !== `step_${other.order}`) names.push(`{${other.outputKey}}`);
  }
  if (names.length === 0) return ' Nothing is available to this step: declare inputs in `inputs`.';
  const shown = names.length > MAX_LISTED ? [...names.slice(0, MAX_LISTED), '…'] : names;
  return ` Available: ${shown.join(', ')}.`;
}

/** The output of `target`, checked to exist when `step` runs. */
function reference(scope: TemplateScope, step: RecipeStep, target: RecipeStep, written: string, path: string): string {
  if (target === step) scope.problems.add(path, 'SELF_REFERENCE', `\`{${written}}\` is this step's own output, which does not exist yet when it runs.`);
  else if (scope.graph.upstream && !scope.graph.upstream(target, step)) {
    const why = scope.graph.sequence.indexOf(target) > scope.graph.sequence.indexOf(step)
      ? `\`${target.stepId}\` runs after \`${step.stepId}\``
      : `\`${step.stepId}\` does not wait for \`${target.stepId}\``;
    scope.problems.add(path, 'STEP_NOT_UPSTREAM', `\`{${written}}\` is the output of \`${target.stepId}\`, which does not exist yet when \`${step.stepId}\` runs: ${why}. Add \`${target.stepId}\` to \`depends_on\` or give it a lower \`order\`.`);
  }
  return outputOf(target);
}

/** One placeholder → the plan's template, or undefined (reported) when it names nothing. */
function resolve(scope: TemplateScope, step: RecipeStep, name: string, path: string): { text: string; readsOutput: boolean } | undefined {
  const { problems } = scope;
  const segments = name.split('.');
  if (segments.length === 2 && segments[0] === 'input') {
    if (scope.inputs.some((input) => input.name === segments[1])) return { text: `{{inputs.${segments[1]}}}`, readsOutput: false };
    const names = scope.inputs.map((input) => input.name);
    problems.add(path, 'UNKNOWN_INPUT', `\`{${name}}\` names no input.${didYouMean(segments[1], names)}${names.length ? ` Inputs: ${names.join(', ')}.` : ''} Declare it in \`inputs\`, e.g. "${segments[1]}": {"type": "string", "required": true}.`);
    return undefined;
  }
  if (name === 'previous_output') {
    const previous = scope.graph.previous(step);
    if (previous.length === 0) {
      problems.add(path, 'NO_PREVIOUS_STEP', `\`{previous_output}\` names nothing here: \`${step.stepId ?? step.id}\` runs first, after no other step.`);
      return undefined;
    }
    return { text: outputs(previous, '###'), readsOutput: true };
  }
  const byOrder = STEP_OUTPUT.exec(name);
  const matches = byOrder
    ? scope.steps.filter((other) => other.order === Number(byOrder[1]))
    : segments.length === 1 ? scope.steps.filter((other) => other.outputKey === name) : [];
  if (matches.length === 1) return { text: reference(scope, step, matches[0], name, path), readsOutput: true };
  if (matches.length > 1) {
    problems.add(path, 'AMBIGUOUS_PLACEHOLDER', `\`{${name}}\` could be the output of ${matches.map((m) => `\`${m.stepId ?? m.id}\``).join(', ')}; give them distinct \`output_key\`s and use those.`);
    return undefined;
  }
  const hint = segments[0] === 'inputs' && segments.length === 2 ? ` Inputs are written \`{input.${segments[1]}}\`.` : '';
  problems.add(path, 'UNKNOWN_PLACEHOLDER', `\`{${name}}\` is not a placeholder this step can use.${hint}${available(scope, step)} To keep braces as text, write \`\\{${name}}\`.`);
  return undefined;
}

/**
 * A step's `prompt_template` → the plan step's prompt in the engine's template syntax. When the
 * template reads no earlier output, the previous step's output is appended under a context heading.
 */
export function translatePrompt(scope: TemplateScope, step: RecipeStep): string {
  const template = step.template ?? '';
  const path = field(step.path, 'prompt_template');
  const reported = new Set<string>();
  let readsOutput = false;
  let prompt = '';
  // Literal text is escaped a run at a time: two pieces of it can meet to form `{{`.
  let run = '';
  let from = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const [whole, escape, name] = match;
    run += template.slice(from, match.index);
    from = match.index + whole.length;
    if (escape) {
      run += `{${name}}`;
      continue;
    }
    const before = scope.problems.list.length;
    const resolved = reported.has(name) ? undefined : resolve(scope, step, name, path);
    // A failed reference still counts as reading an output, so no context is appended to a broken prompt.
    readsOutput ||= resolved?.readsOutput ?? !name.startsWith('input.');
    if (!resolved) {
      if (scope.problems.list.length > before) reported.add(name);
      run += whole;
      continue;
    }
    prompt += literal(run);
    run = '';
    if (prompt.endsWith('\\{') && resolved.text.startsWith('{{')) {
      // The engine would read `\{{` as an escaped `{{` and never render the placeholder.
      scope.problems.add(path, 'ESCAPE_BEFORE_PLACEHOLDER', `\`\\{\` right before \`{${name}}\` cannot be kept as written; put a space between them.`);
    }
    prompt += resolved.text;
    if (scope.problems.list.length > before) reported.add(name);
  }
  prompt += literal(run + template.slice(from));
  const previous = scope.graph.previous(step);
  if (!readsOutput && previous.length > 0) {
    prompt += `\n\n## Context from the previous step${previous.length > 1 ? 's' : ''}\n\n${outputs(previous, '###')}`;
  }
  return prompt;
}
