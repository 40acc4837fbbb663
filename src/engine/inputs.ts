import { matchesType } from '../compiler/inputs.ts';
import { didYouMean } from '../compiler/notes.ts';
import type { JsonValue, PlanInput } from '../compiler/plan.ts';

export type InputValues = Record<string, JsonValue>;

/** Lossless coercion of strings from forms and query strings: "5" → 5, "true" → true. */
function coerce(value: unknown, type: PlanInput['type']): unknown {
  if (typeof value !== 'string') {
    if (Array.isArray(value) && type.endsWith('[]')) return value.map((item) => coerce(item, type.slice(0, -2) as PlanInput['type']));
    return value;
  }
  const text = value.trim();
  if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return value;
}

const describe = (value: unknown) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`);

/**
 * Checks a run's inputs against the plan (spec §3): every problem is named at once. Missing
 * optional inputs take their default, or null.
 */
export function validateInputs(declared: PlanInput[], given: unknown): { values: InputValues } | { problems: string[] } {
  const problems: string[] = [];
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    return { problems: ['inputs must be an object mapping input names to values'] };
  }
  const supplied = (given ?? {}) as Record<string, unknown>;
  const names = declared.map((input) => input.name);
  for (const name of Object.keys(supplied)) {
    if (!names.includes(name)) problems.push(`unknown input "${name}".${didYouMean(name, names)}${names.length ? ` Inputs: ${names.join(', ')}.` : ' This workflow takes no inputs.'}`);
  }
  const values: InputValues = {};
  for (const input of declared) {
    const raw = supplied[input.name];
    if (raw === undefined || raw === null) {
      if (input.required) problems.push(`missing required input "${input.name}" (${input.type})`);
      values[input.name] = input.default ?? null;
      continue;
    }
    const value = coerce(raw, input.type) as JsonValue;
    if (!matchesType(value, input.type)) {
      problems.push(`input "${input.name}" must be ${input.type}, got ${describe(raw)}`);
      continue;
    }
    if (input.enum) {
      const outside = (Array.isArray(value) ? value : [value]).filter((item) => !input.enum!.includes(item as string | number));
      if (outside.length > 0) {
        problems.push(`input "${input.name}" must be one of ${input.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${outside.map((v) => JSON.stringify(v)).join(', ')}`);
        continue;
      }
    }
    values[input.name] = value;
  }
  return problems.length > 0 ? { problems } : { values };
}
