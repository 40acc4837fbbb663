import type { Section } from './document.ts';
import { closest, didYouMean, type Notes, type Position } from './notes.ts';
import { INPUT_TYPES, type InputType, type JsonValue, type PlanInput } from './plan.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FLAGS = ['required', 'optional', 'default', 'one of', ...INPUT_TYPES];

/** A part of the flags group, trimmed, with its offset in the text being parsed. */
interface Part {
  text: string;
  offset: number;
}

/** Splits at top-level commas (not inside quotes or brackets), keeping where each part starts. */
function splitTopLevel(text: string, start: number): Part[] {
  const parts: Part[] = [];
  let depth = 0;
  let quote: string | undefined;
  let from = 0;
  const push = (end: number) => {
    const raw = text.slice(from, end);
    parts.push({ text: raw.trim(), offset: start + from + (raw.length - raw.trimStart().length) });
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{' || char === '(') depth++;
    else if (char === ']' || char === '}' || char === ')') depth--;
    else if (char === ',' && depth === 0) {
      push(i);
      from = i + 1;
    }
  }
  push(text.length);
  return parts;
}

/** The last parenthesised group of the text (spec §3): its content and where it opens and closes. */
function lastGroup(text: string): { inner: string; open: number; close: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return { inner: text.slice(i + 1, close), open: i, close };
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
  const parts = group ? splitTopLevel(group.inner, colon + 1 + group.open + 1) : [];
  const known = (part: Part) => /^(default|one of)\s*:/i.test(part.text) || FLAGS.includes(part.text.toLowerCase());
  // A group of flags, or of near-misses of flags (`(strng)`); anything else is part of the description.
  const hasFlags = parts.some(known) || parts.some((part) => closest(part.text, FLAGS) !== undefined);
  const after = group ? rest.slice(group.close + 1).trim() : '';
  const description = hasFlags ? [rest.slice(0, group!.open).trim(), /^[.,;:!?]*$/.test(after) ? '' : after].filter(Boolean).join(' ') : rest.trim();
  const groupAt = column(colon + 1 + (group?.open ?? 0) + 1);

  let type: InputType | undefined;
  let required = false;
  let optional = false;
  let defaultValue: { value: JsonValue } | undefined;
  let defaultAt = groupAt;
  let choices: (string | number)[] | undefined;
  if (hasFlags) {
    for (const part of parts) {
      const lower = part.text.toLowerCase();
      const partAt = column(part.offset);
      if ((INPUT_TYPES as readonly string[]).includes(lower)) {
        if (type) notes.error('INVALID_INPUT', `Input \`${name}\` has two types (\`${type}\` and \`${lower}\`); keep one.`, partAt);
        type = lower as InputType;
      } else if (lower === 'required') required = true;
      else if (lower === 'optional') optional = true;
      else if (/^default\s*:/i.test(part.text)) {
        defaultAt = partAt;
        defaultValue = literal(part.text.slice(part.text.indexOf(':') + 1));
        if (!defaultValue) notes.error('INVALID_DEFAULT', `The default of \`${name}\` is not a literal: write it as JSON, e.g. \`default: "moderate"\`, \`default: 5\` or \`default: ["a", "b"]\`.`, partAt);
      } else if (/^one of\s*:/i.test(part.text)) {
        choices = part.text.slice(part.text.indexOf(':') + 1).split('|').map((choice) => {
          const parsed = literal(choice);
          return typeof parsed?.value === 'number' ? parsed.value : String(parsed?.value ?? choice.trim());
        });
      } else {
        notes.error('UNKNOWN_INPUT_FLAG', `\`${part.text}\` is not a type or flag of input \`${name}\`.${didYouMean(part.text.replace(/:.*/, ''), FLAGS)} Types: ${INPUT_TYPES.join(', ')}; flags: required, default: <value>, one of: a | b.`, partAt);
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
    notes.error('INVALID_DEFAULT', `The default of \`${name}\` (${JSON.stringify(defaultValue.value)}) is not a ${type}.`, defaultAt);
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
    if (outside.length > 0) notes.error('DEFAULT_NOT_IN_ENUM', `The default of \`${name}\` (${outside.map((v) => JSON.stringify(v)).join(', ')}) is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}.`, defaultAt);
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
      // The item's text keeps its line breaks (one character each, like the spaces that replace
      // them for parsing), so an offset maps back to its source line and column.
      const textLines = item.text.split('\n');
      const marker = /^\s*(?:[-*+]|\d{1,9}[.)])\s*/.exec(lines[item.start])?.[0].length ?? 0;
      const at = { line: item.start + 1, column: marker + 1 };
      const locate = (offset: number): Position => {
        let k = 0;
        while (k < textLines.length - 1 && offset > textLines[k].length) offset -= textLines[k++].length + 1;
        const source = lines[item.start + k] ?? '';
        const found = k === 0 ? marker : Math.max(0, source.indexOf(textLines[k]));
        return { line: item.start + k + 1, column: Math.min(found + offset, source.length) + 1 };
      };
      const input = parseItem(item.text.replace(/\n/g, ' '), at, notes, locate);
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
