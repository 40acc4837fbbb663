import { matchesType } from '../compiler/inputs.ts';
import { didYouMean } from '../compiler/notes.ts';
import type { InputType, JsonValue, PlanInput } from '../compiler/plan.ts';
import { isRecord, read } from './fields.ts';
import { describe, field, item, type Problems } from './problems.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Type names other tools write (JSON Schema, Python), mapped to the plan's input types. */
const TYPES: Record<string, InputType> = {
  string: 'string', str: 'string', text: 'string',
  number: 'number', integer: 'number', int: 'number', float: 'number',
  boolean: 'boolean', bool: 'boolean',
  object: 'object', dict: 'object', json: 'object',
  array: 'string[]', list: 'string[]', 'string[]': 'string[]', 'number[]': 'number[]',
};

function inferred(value: JsonValue): InputType {
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => typeof v === 'number') ? 'number[]' : 'string[]';
  if (isRecord(value)) return 'object';
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}

function typeOf(spec: Record<string, unknown>, path: string, problems: Problems): InputType | undefined {
  const written = read(spec, 'type');
  if (written === undefined) return undefined;
  const key = typeof written === 'string' ? written.trim().toLowerCase() : '';
  const type = Object.hasOwn(TYPES, key) ? TYPES[key] : undefined;
  if (!type) {
    problems.add(field(path, 'type'), 'INVALID_VALUE', `\`type\` must be one of string, number, boolean, array, object (or string[], number[]), not ${describe(written)}.${typeof written === 'string' ? didYouMean(written, Object.keys(TYPES)) : ''}`);
    return undefined;
  }
  // An array of numbers says so through `items`, as in JSON Schema.
  const items = read(spec, 'items');
  if (type === 'string[]' && isRecord(items) && ['number', 'integer'].includes(String(read(items, 'type')))) return 'number[]';
  return type;
}

/**
 * One input. Its spec is a description (`"topic": "What to research"`) or an object
 * `{type, required, description, default, enum}`. An input is required only when it says
 * `required: true` and has no default, as in the markdown language.
 */
function readInput(name: string, spec: unknown, path: string, problems: Problems): PlanInput | undefined {
  if (!NAME.test(name)) {
    problems.add(path, 'INVALID_INPUT_NAME', `\`${name}\` is not a valid input name: use letters, digits and _, starting with a letter or _ (it is written \`{input.${name}}\` in prompts).`);
    return undefined;
  }
  if (typeof spec === 'string') return { name, type: 'string', required: false, default: null, enum: null, description: spec };
  if (!isRecord(spec)) {
    problems.add(path, 'INVALID_INPUT', `Input \`${name}\` must be a description or an object such as {"type": "string", "required": true, "description": "…"}, not ${describe(spec)}.`);
    return undefined;
  }
  const description = read(spec, 'description');
  if (description !== undefined && typeof description !== 'string') problems.add(field(path, 'description'), 'INVALID_TYPE', `\`description\` must be a string, not ${describe(description)}.`);
  const required = read(spec, 'required');
  if (required !== undefined && typeof required !== 'boolean') problems.add(field(path, 'required'), 'INVALID_TYPE', `\`required\` must be true or false, not ${describe(required)}.`);
  const fallback = read(spec, 'default') as JsonValue | undefined;
  const type = typeOf(spec, path, problems) ?? (fallback === undefined ? 'string' : inferred(fallback));
  if (fallback !== undefined && !matchesType(fallback, type)) {
    problems.add(field(path, 'default'), 'INVALID_DEFAULT', `The default of \`${name}\` (${describe(fallback)}) is not a ${type}.`);
  }
  const choices = read(spec, 'enum') ?? read(spec, 'options');
  let allowed: (string | number)[] | null = null;
  if (choices !== undefined) {
    if (Array.isArray(choices) && choices.length > 0 && choices.every((c) => typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c)))) allowed = choices as (string | number)[];
    else problems.add(field(path, read(spec, 'enum') === undefined ? 'options' : 'enum'), 'INVALID_VALUE', `The choices of \`${name}\` must be a non-empty list of strings or numbers.`);
  }
  return {
    name,
    type,
    required: required === true && fallback === undefined,
    default: fallback ?? null,
    enum: allowed,
    description: typeof description === 'string' ? description : '',
  };
}

/** `inputs`: a map of name → spec, or (tolerated) a list of specs each with a `name`. */
export function readInputs(recipe: Record<string, unknown>, problems: Problems): PlanInput[] {
  const value = read(recipe, 'inputs');
  const path = field('$', 'inputs');
  if (value === undefined) return [];
  const entries: { name: string; spec: unknown; path: string }[] = [];
  if (Array.isArray(value)) {
    value.forEach((spec, index) => {
      const name = isRecord(spec) ? read(spec, 'name') : undefined;
      if (typeof name === 'string') entries.push({ name, spec, path: item(path, index) });
      else problems.add(item(path, index), 'INVALID_INPUT', 'In a list of inputs, each input is an object with a `name`.');
    });
  } else if (isRecord(value)) {
    for (const [name, spec] of Object.entries(value)) entries.push({ name, spec, path: field(path, name) });
  } else {
    problems.add(path, 'INVALID_TYPE', `\`inputs\` must be an object mapping input names to their specs, not ${describe(value)}.`);
    return [];
  }
  const inputs: PlanInput[] = [];
  for (const entry of entries) {
    const input = readInput(entry.name, entry.spec, entry.path, problems);
    if (!input) continue;
    if (inputs.some((other) => other.name === input.name)) problems.add(entry.path, 'DUPLICATE_INPUT', `Input \`${input.name}\` is declared twice.`);
    else inputs.push(input);
  }
  return inputs;
}
