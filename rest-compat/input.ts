import { z } from 'zod';
import { unsafeText } from '../src/server/text-hygiene.ts';
import { RestError } from './graphql.ts';

const bad = (detail: string) => new RestError(400, 'Bad request', detail);

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** A body problem as the API has always said it: "field `x` is required (string)", "… must be a string, got number". */
function bodyProblem(issue: z.core.$ZodIssue, schema: z.ZodObject): string {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `\`${key}\``).join(', ')} (the fields are ${Object.keys(schema.shape).join(', ')})`;
  }
  const field = `field \`${issue.path.join('.')}\``;
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'record' ? 'object' : issue.expected;
    return issue.input === undefined || issue.input === null ? `${field} is required (${expected})` : `${field} must be ${article(expected)}, got ${typeOf(issue.input)}`;
  }
  return `${field} ${issue.message}`;
}

/** The JSON body, checked against the route's schema: every problem is named at once. */
export async function readBody<S extends z.ZodObject>(request: Request, schema: S): Promise<z.infer<S>> {
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
  const unsafe = unsafeText(body, 'body');
  if (unsafe) throw bad(unsafe);
  const parsed = schema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw bad(parsed.error.issues.map((issue) => bodyProblem(issue, schema)).join('; '));
  return parsed.data;
}

/** Query parameters, checked against the route's schema (whose messages say what is allowed); empty ones are absent. */
export function readQuery<S extends z.ZodObject>(url: URL, schema: S): z.infer<S> {
  const raw = Object.fromEntries([...url.searchParams].filter(([name, value]) => value !== '' && name in schema.shape));
  const unsafe = Object.entries(raw).map(([name, value]) => unsafeText(value, `query parameter ${name}`)).find(Boolean);
  if (unsafe) throw bad(unsafe);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw bad(parsed.error.issues.map((issue) => `query parameter \`${issue.path.join('.')}\` ${issue.message}, got "${raw[String(issue.path[0])]}"`).join('; '));
  }
  return parsed.data;
}

/** An integer query parameter in [min, max]; its message says the range (readQuery adds what was sent). */
export function queryInteger(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A hard limit on what one execution spends (Baton's addition to the documented bodies of run and execute; each limit above 0, checked by the engine). */
export const Budget = z
  .strictObject({ tokens: z.int().nullish().describe('Tokens in all (input, output, cache)'), usd: z.number().nullish().describe('US dollars at the list prices Baton estimates with') })
  .describe("No model call starts that could take the execution past this; when none can, it ends `failed` with the error `budget exhausted: …`, keeping its finished steps. Over the workflow's default budget.");
