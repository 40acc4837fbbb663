import type { PlanInput } from '../compiler/plan.ts';
import { slug } from '../compiler/slug.ts';
import type { Db } from '../store/db.ts';

/** A workflow or recipe of the tenant, as the MCP tool that runs it. */
export interface Runnable {
  /** The tool's name: `run_<slug>`, unique among the tenant's tools. */
  name: string;
  kind: 'workflow' | 'recipe';
  /** The workflow's id, or the recipe's `rcp_…` id. */
  id: string;
  /** The workflow's or recipe's name. */
  title: string;
  description: string;
  inputs: PlanInput[];
  steps: number;
}

interface Row {
  kind: 'workflow' | 'recipe';
  id: string;
  title: string;
  /** What the tool is named after: a workflow's name, a recipe's template_id. */
  handle: string;
  description: string;
  inputs: PlanInput[] | null;
  steps: number | null;
}

/** Room for `run_`, a slug and a clash suffix within the 64 characters some clients allow for a tool name. */
const MAX_SLUG = 40;

/**
 * Names for the rows, in their order (oldest first): `run_<slug>`, and on a clash the later row
 * takes `run_<slug>_<last 8 of its id>` (then its whole id), so the first keeps its name whatever is
 * added after it, and every name is a valid MCP tool name ([a-z0-9_], at most 64 characters).
 */
function names(rows: Row[]): string[] {
  const taken = new Set<string>();
  return rows.map((row) => {
    const base = `run_${slug(row.handle).slice(0, MAX_SLUG).replace(/_+$/, '') || row.kind}`;
    const id = slug(row.id);
    const name = [base, `${base}_${id.slice(-8)}`, `run_${row.kind}_${id}`].find((candidate) => !taken.has(candidate)) ?? `run_${row.kind}_${id}_${taken.size}`;
    taken.add(name);
    return name;
  });
}

/**
 * The tenant's live workflows and its recipes as run tools, oldest first. Reads only the plans'
 * inputs and step counts, so listing stays cheap for large plans.
 */
export async function runnables(db: Db, tenantId: string): Promise<Runnable[]> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT 'workflow' AS kind, id, name AS title, name AS handle, description, plan->'inputs' AS inputs, jsonb_array_length(plan->'steps') AS steps, created_at
    FROM workflows WHERE tenant_id = ${tenantId} AND deleted_at IS NULL
    UNION ALL
    SELECT 'recipe', id, name, template_id, description, plan->'inputs', jsonb_array_length(plan->'steps'), created_at
    FROM recipes WHERE tenant_id = ${tenantId}
    ORDER BY created_at, id`;
  const assigned = names(rows);
  return rows.map((row, index) => ({
    name: assigned[index],
    kind: row.kind,
    id: row.id,
    title: row.title,
    description: row.description,
    inputs: Array.isArray(row.inputs) ? row.inputs : [],
    steps: Number(row.steps ?? 0),
  }));
}

type Schema = Record<string, unknown>;

const ITEM_TYPES: Record<string, string> = { 'string[]': 'string', 'number[]': 'number' };

/** One declared input as a JSON Schema property: its type, allowed values, default and description. */
function property(input: PlanInput): Schema {
  const choices = input.enum ? { enum: input.enum } : {};
  const schema: Schema =
    input.type in ITEM_TYPES ? { type: 'array', items: { type: ITEM_TYPES[input.type], ...choices } } : input.type === 'object' ? { type: 'object' } : { type: input.type, ...choices };
  if (input.description) schema.description = input.description;
  if (input.default !== null && input.default !== undefined) schema.default = input.default;
  return schema;
}

/** The JSON Schema of a run tool's arguments: the declared inputs, the required ones, nothing else. */
export function inputSchema(inputs: PlanInput[]) {
  const required = inputs.filter((input) => input.required).map((input) => input.name);
  return {
    type: 'object' as const,
    properties: Object.fromEntries(inputs.map((input) => [input.name, property(input)])),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

/** What the tool says about itself: the workflow's or recipe's own description, then what calling it does. */
export function toolDescription(runnable: Runnable): string {
  const what = runnable.kind === 'workflow' ? `the Baton workflow "${runnable.title}"` : `the Baton recipe "${runnable.title}"`;
  const own = runnable.description.trim();
  return (
    `${own ? `${own}\n\n` : ''}Runs ${what} (${runnable.steps} step${runnable.steps === 1 ? '' : 's'}) and returns its output. ` +
    'When a step needs a person\'s approval, or the run takes longer than this server waits, it returns the execution id and status instead: ' +
    'then use approve_step and get_execution.'
  );
}
