import { unsafeText } from '../src/server/text-hygiene.ts';
import { RestError } from './graphql.ts';

/** A request body field or query parameter: its JSON type, and whether it must be there. */
export interface Field {
  type: 'string' | 'boolean' | 'object' | 'integer';
  required?: boolean;
  description: string;
  /** The allowed values (query parameters). */
  enum?: string[];
  minimum?: number;
  maximum?: number;
}

export type Fields = Record<string, Field>;

const bad = (detail: string) => new RestError(400, 'Bad request', detail);

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The JSON body, checked against its fields: every problem is named at once. */
export async function readBody(request: Request, fields: Fields): Promise<Record<string, unknown>> {
  const text = await request.text();
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw bad(`The body is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (typeOf(body) !== 'object') throw bad(`The body must be a JSON object, got ${typeOf(body)}`);
  const values = body as Record<string, unknown>;
  const unsafe = unsafeText(values, 'body');
  if (unsafe) throw bad(unsafe);
  const problems: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const value = values[name];
    if (value === undefined || value === null) {
      if (field.required) problems.push(`field \`${name}\` is required (${field.type})`);
    } else if (typeOf(value) !== (field.type === 'integer' ? 'number' : field.type)) {
      problems.push(`field \`${name}\` must be a ${field.type}, got ${typeOf(value)}`);
    }
  }
  if (problems.length) throw bad(problems.join('; '));
  return values;
}

/** Query parameters, checked against their fields; integers are parsed. */
export function readQuery(url: URL, fields: Fields): Record<string, string | number | undefined> {
  const values: Record<string, string | number | undefined> = {};
  const problems: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') continue;
    const unsafe = unsafeText(raw, `query parameter ${name}`);
    if (unsafe) {
      problems.push(unsafe);
      continue;
    }
    if (field.type === 'integer') {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < (field.minimum ?? -Infinity) || value > (field.maximum ?? Infinity)) {
        problems.push(`query parameter \`${name}\` must be an integer from ${field.minimum} to ${field.maximum}, got "${raw}"`);
      } else values[name] = value;
    } else if (field.enum && !field.enum.includes(raw)) {
      problems.push(`query parameter \`${name}\` must be one of ${field.enum.join(', ')}, got "${raw}"`);
    } else values[name] = raw;
  }
  if (problems.length) throw bad(problems.join('; '));
  return values;
}
