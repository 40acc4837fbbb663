import type { Section } from './document.ts';
import { didYouMean, type Notes, type Position } from './notes.ts';
import { INPUT_TYPES, type InputType, type JsonValue, type PlanInput } from './plan.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FLAGS = ['required', 'optional', 'default', 'one of', ...INPUT_TYPES];

/** Splits at top-level commas (not inside quotes or brackets). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{' || char === '(') depth++;
    else if (char === ']' || char === '}' || char === ')') depth--;
    else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

/** The last parenthesised group when the text ends with one: its content and where it opens. */
function lastGroup(text: string): { inner: string; open: number } | undefined {
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith(')')) return undefined;
  let depth = 0;
  for (let i = trimmed.length - 1; i >= 0; i--) {
    if (trimmed[i] === ')') depth++;
    else if (trimmed[i] === '(' && --depth === 0) return { inner: trimmed.slice(i + 1, -1), open: i };
  }
  return undefined;
}

/** A JSON-like literal; bare words are strings. */
function literal(raw: string): { value: JsonValue } | undefined {
  const text = raw.trim();
  try {
    return { value: JSON.parse(text) as JsonValue };
  } catch {
    if (/^'.*'$/.test(text)) return { value: text.slice(1, -1) };
    if (/^[^"'[\]{}]+$/.test(text) && text !== '') return { value: text };
    return undefined;
  }
}

function typeOf(value: JsonValue): InputType {
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => typeof v === 'number') ? 'number[]' : 'string[]';
  if (value === null) return 'string';
  if (typeof value === 'object') return 'object';
  return typeof value as InputType;
}

export function matchesType(value: JsonValue, type: InputType): boolean {
  switch (type) {
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'number[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'number');
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** Quoted choices in a description: `"shallow", "moderate", or "deep"`. */
function quotedChoices(description: string): string[] | undefined {
  const match = /"([^"]+)"(?:\s*,\s*(?:or\s+)?"[^"]+"|\s+or\s+"[^"]+")+/.exec(description);
  return match ? [...match[0].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : undefined;
}

const plural = (name: string) => /[^s]s$/i.test(name) && !/(us|is)$/i.test(name);

function parseItem(text: string, at: Position, notes: Notes, column: (offset: number) => Position): PlanInput | undefined {
  const colon = text.indexOf(':');
  const name = (colon >= 0 ? text.slice(0, colon) : text).trim();
  if (colon < 0) {
    notes.error('INVALID_INPUT', `Write each input as \`- name: description (type, flags)\`, e.g. \`- topic: The subject to research (string, required)\`.`, at);
    return undefined;
  }
  if (!NAME.test(name)) {
    notes.error('INVALID_INPUT_NAME', `\`${name}\` is not a valid input name: use letters, digits and _, starting with a letter or _.`, at);
    return undefined;
  }
  const rest = text.slice(colon + 1);
  const group = lastGroup(rest);
  const parts = group ? splitTopLevel(group.inner, ',') : [];
  const known = (part: string) => /^(default|one of)\s*:/i.test(part) || FLAGS.includes(part.toLowerCase());
  const hasFlags = parts.some(known);
  const description = (hasFlags ? rest.slice(0, group!.open) : rest).trim();
  const groupAt = column(colon + 1 + (group?.open ?? 0) + 1);

  let type: InputType | undefined;
  let required = false;
  let optional = false;
  let defaultValue: { value: JsonValue } | undefined;
  let choices: (string | number)[] | undefined;
  if (hasFlags) {
    for (const part of parts) {
      const lower = part.toLowerCase();
      if ((INPUT_TYPES as readonly string[]).includes(lower)) {
        if (type) notes.error('INVALID_INPUT', `Input \`${name}\` has two types (\`${type}\` and \`${lower}\`); keep one.`, groupAt);
        type = lower as InputType;
      } else if (lower === 'required') required = true;
      else if (lower === 'optional') optional = true;
      else if (/^default\s*:/i.test(part)) {
        defaultValue = literal(part.slice(part.indexOf(':') + 1));
        if (!defaultValue) notes.error('INVALID_DEFAULT', `The default of \`${name}\` is not a literal: write it as JSON, e.g. \`default: "moderate"\`, \`default: 5\` or \`default: ["a", "b"]\`.`, groupAt);
      } else if (/^one of\s*:/i.test(part)) {
        choices = part.slice(part.indexOf(':') + 1).split('|').map((choice) => {
          const parsed = literal(choice);
          return typeof parsed?.value === 'number' ? parsed.value : String(parsed?.value ?? choice.trim());
        });
      } else {
        notes.error('UNKNOWN_INPUT_FLAG', `\`${part}\` is not a type or flag of input \`${name}\`.${didYouMean(part.replace(/:.*/, ''), FLAGS)} Types: ${INPUT_TYPES.join(', ')}; flags: required, default: <value>, one of: a | b.`, groupAt);
      }
    }
  }

  if (!type) {
    const listWording = /\blists? of\b/i.test(description) ? 'list of' : plural(name) ? name : undefined;
    let why: string;
    if (defaultValue) [type, why] = [typeOf(defaultValue.value), 'from its default'];
    else if (listWording) [type, why] = ['string[]', `from the wording "${listWording}"`];
    else [type, why] = ['string', 'as the default type'];
    notes.info('INFERRED_TYPE', `Input \`${name}\` has no type; inferred \`${type}\` ${why}. Add \`(${type})\` to say so explicitly.`, at);
  }
  if (defaultValue && !matchesType(defaultValue.value, type)) {
    notes.error('INVALID_DEFAULT', `The default of \`${name}\` (${JSON.stringify(defaultValue.value)}) is not a ${type}.`, groupAt);
  }
  if (required && defaultValue) {
    notes.warning('REQUIRED_WITH_DEFAULT', `Input \`${name}\` is marked required but has a default, which makes it optional; remove one of them.`, groupAt);
  }
  if (required && optional) notes.error('INVALID_INPUT', `Input \`${name}\` cannot be both required and optional.`, groupAt);
  if (choices && type !== 'string' && type !== 'number' && type !== 'string[]' && type !== 'number[]') {
    notes.error('INVALID_INPUT', `\`one of\` needs a string or number input; \`${name}\` is ${type}.`, groupAt);
  }
  if (!choices && (type === 'string' || type === 'string[]')) {
    choices = quotedChoices(description);
    if (choices) notes.info('INFERRED_ENUM', `Input \`${name}\` accepts only ${choices.map((c) => `"${c}"`).join(', ')}, from the quoted choices in its description. Add \`one of: ${choices.join(' | ')}\` to say so explicitly.`, at);
  }
  if (choices && defaultValue) {
    const values = Array.isArray(defaultValue.value) ? defaultValue.value : [defaultValue.value];
    const outside = values.filter((value) => !choices!.includes(value as string | number));
    if (outside.length > 0) notes.error('DEFAULT_NOT_IN_ENUM', `The default of \`${name}\` (${outside.map((v) => JSON.stringify(v)).join(', ')}) is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}.`, groupAt);
  }
  return { name, type, required: required && !defaultValue, default: defaultValue?.value ?? null, enum: choices ?? null, description };
}

/** The `## Inputs` section: one list item per input. */
export function readInputs(lines: string[], section: Section | undefined, notes: Notes): PlanInput[] {
  if (!section) return [];
  const inputs: PlanInput[] = [];
  const seen = new Map<string, number>();
  for (const block of section.blocks) {
    if (block.type !== 'list') continue;
    for (const item of block.items) {
      const line = lines[item.start];
      // Where the text starts after the list marker (`- `, `* `, `1. `).
      const textStart = Math.max(0, line.search(/[^\s*+\-\d.)]/));
      const at = { line: item.start + 1, column: textStart + 1 };
      const text = item.text.replace(/\s*\n\s*/g, ' ');
      const input = parseItem(text, at, notes, (offset) => ({ line: item.start + 1, column: Math.min(textStart + offset + 1, line.length + 1) }));
      if (!input) continue;
      if (seen.has(input.name)) {
        notes.error('DUPLICATE_INPUT', `Input \`${input.name}\` is declared twice (first on line ${seen.get(input.name)}); rename or remove one.`, at);
        continue;
      }
      seen.set(input.name, at.line);
      inputs.push(input);
    }
  }
  return inputs;
}
