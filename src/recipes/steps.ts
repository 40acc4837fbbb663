import { slug } from '../compiler/slug.ts';
import { MAX_RETRIES, MAX_STEP_TIMEOUT_MS } from './config.ts';
import { choice, count, duration, flag, isRecord, read, text, type Source } from './fields.ts';
import { describe, field, item, type Problems } from './problems.ts';

export const ERROR_HANDLING = ['stop', 'continue', 'skip', 'retry'] as const;
export type ErrorHandling = (typeof ERROR_HANDLING)[number];

/** Far beyond any real recipe; keeps the compiler's time (dependency closure is quadratic) bounded. */
export const MAX_STEPS = 1000;

const OUTPUT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that mean something else in a prompt template, so no output key may take them. */
const RESERVED_KEY = /^(?:previous_output|input|step_\d+_output)$/;

/** One element of `steps`, read; fields that could not be read are undefined (and reported). */
export interface RecipeStep {
  index: number;
  /** `steps[<index>]`. */
  path: string;
  /** The plan step's id: the slug of `step_id`, made unique. */
  id: string;
  stepId: string | undefined;
  order: number | undefined;
  agentId: string | undefined;
  template: string | undefined;
  errorHandling: ErrorHandling;
  maxRetries: number | undefined;
  /** The explicit `output_key`, or `step_<order>`; undefined when neither can be had. */
  outputKey: string | undefined;
  maxIterations: number | undefined;
  /** `depends_on` as written (step_ids); undefined when absent. */
  dependsOn: { ref: string; path: string }[] | undefined;
  timeoutMs: number | undefined;
  approval: boolean;
}

function dependsOnOf(source: Source): RecipeStep['dependsOn'] {
  const value = read(source.object, 'depends_on');
  const path = field(source.path, 'depends_on');
  if (value === undefined) return undefined;
  // A single step_id is tolerated for a list of one.
  if (typeof value === 'string') return [{ ref: value, path }];
  if (!Array.isArray(value)) {
    source.problems.add(path, 'INVALID_TYPE', `\`depends_on\` must be a list of step_ids, not ${describe(value)}.`);
    return undefined;
  }
  const refs: { ref: string; path: string }[] = [];
  value.forEach((ref, index) => {
    if (typeof ref === 'string') refs.push({ ref, path: item(path, index) });
    else source.problems.add(item(path, index), 'INVALID_TYPE', `Each element of \`depends_on\` is a step_id (a string), not ${describe(ref)}.`);
  });
  return refs;
}

function outputKeyOf(source: Source, order: number | undefined): string | undefined {
  const value = read(source.object, 'output_key');
  const path = field(source.path, 'output_key');
  if (value === undefined) return order !== undefined && Number.isInteger(order) && order >= 0 ? `step_${order}` : undefined;
  if (typeof value !== 'string' || !OUTPUT_KEY.test(value)) {
    source.problems.add(path, 'INVALID_OUTPUT_KEY', `\`output_key\` must be a name of letters, digits and _ (not starting with a digit), to be written \`{name}\` in later prompts; not ${describe(value)}.`);
    return undefined;
  }
  if (RESERVED_KEY.test(value)) {
    source.problems.add(path, 'INVALID_OUTPUT_KEY', `\`${value}\` already means something in prompt templates; choose another \`output_key\`.`);
    return undefined;
  }
  return value;
}

function readStep(value: unknown, index: number, problems: Problems): RecipeStep | undefined {
  const path = item('steps', index);
  if (!isRecord(value)) {
    problems.add(path, 'INVALID_TYPE', `Each step must be an object with step_id, order, agent_id and prompt_template, not ${describe(value)}.`);
    return undefined;
  }
  const source: Source = { object: value, path, problems };
  const stepId = text(source, 'step_id', true);
  const rawOrder = read(value, 'order');
  let order: number | undefined;
  if (rawOrder === undefined) problems.add(field(path, 'order'), 'MISSING_FIELD', '`order` is required: a number that places the step.');
  else if (typeof rawOrder !== 'number' || !Number.isFinite(rawOrder)) problems.add(field(path, 'order'), 'INVALID_TYPE', `\`order\` must be a number, not ${describe(rawOrder)}.`);
  else order = rawOrder;
  return {
    index,
    path,
    id: '',
    stepId,
    order,
    agentId: text(source, 'agent_id', true),
    template: text(source, 'prompt_template', true),
    errorHandling: choice(source, 'error_handling', ERROR_HANDLING) ?? 'stop',
    maxRetries: count(source, 'max_retries', 0, MAX_RETRIES),
    outputKey: outputKeyOf(source, order),
    maxIterations: count(source, 'max_iterations', 1, 100),
    dependsOn: dependsOnOf(source),
    timeoutMs: duration(source, 'timeout', true, MAX_STEP_TIMEOUT_MS),
    approval: flag(source, 'requires_approval') ?? false,
  };
}

/** Plan step ids: slugs of the step_ids, `step_<n>` when a step_id has no letters or digits, suffixed `_2`, `_3`… to stay unique. */
function assignIds(steps: RecipeStep[]): void {
  const taken = new Set<string>();
  for (const step of steps) {
    const base = slug(step.stepId ?? '') || `step_${step.index + 1}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    step.id = id;
  }
}

export function readSteps(recipe: Record<string, unknown>, problems: Problems): RecipeStep[] {
  const value = read(recipe, 'steps');
  if (value === undefined) {
    problems.add('steps', 'MISSING_FIELD', '`steps` is required: a list of at least one step.');
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add('steps', 'INVALID_TYPE', `\`steps\` must be a list of steps, not ${describe(value)}.`);
    return [];
  }
  if (value.length === 0) problems.add('steps', 'NO_STEPS', '`steps` is empty: a recipe needs at least one step.');
  if (value.length > MAX_STEPS) {
    problems.add('steps', 'TOO_MANY_STEPS', `The recipe has ${value.length} steps; the limit is ${MAX_STEPS}.`);
    return [];
  }
  const steps = value.map((element, index) => readStep(element, index, problems)).filter((step): step is RecipeStep => step !== undefined);
  const firstWith = new Map<string, RecipeStep>();
  const keys = new Map<string, RecipeStep>();
  for (const step of steps) {
    if (step.stepId !== undefined) {
      const twin = firstWith.get(step.stepId);
      if (twin) problems.add(field(step.path, 'step_id'), 'DUPLICATE_STEP_ID', `\`${step.stepId}\` is already the step_id of ${twin.path}; step_ids must be unique.`);
      else firstWith.set(step.stepId, step);
    }
    const explicit = read(value[step.index] as Record<string, unknown>, 'output_key') !== undefined;
    if (explicit && step.outputKey !== undefined) {
      const twin = keys.get(step.outputKey);
      if (twin) problems.add(field(step.path, 'output_key'), 'DUPLICATE_OUTPUT_KEY', `\`${step.outputKey}\` is already the output_key of ${twin.path}; output keys must be unique.`);
      else keys.set(step.outputKey, step);
    }
  }
  assignIds(steps);
  return steps;
}
