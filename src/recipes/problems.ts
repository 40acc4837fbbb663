/** A validation problem of a recipe: where (a JSON path such as `steps[2].agent_id`), a machine code, and how to fix it. */
export interface RecipeProblem {
  path: string;
  code: string;
  message: string;
}

/** The path of the recipe itself, for problems that concern it as a whole. */
export const ROOT = '$';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `inputs` + `topic` → `inputs.topic`; a key that is not an identifier is quoted: `inputs["target audience"]`. */
export function field(path: string, name: string): string {
  const part = IDENTIFIER.test(name) ? name : `[${JSON.stringify(name)}]`;
  if (path === ROOT) return part.startsWith('[') ? `${ROOT}${part}` : part;
  return part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}

export const item = (path: string, index: number) => `${path}[${index}]`;

/** Collects the problems of one compilation, in the order they are found. */
export class Problems {
  readonly list: RecipeProblem[] = [];

  add(path: string, code: string, message: string): void {
    this.list.push({ path, code, message });
  }
}

/** What a value is, for messages: `a string`, `null`, `a list`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}
