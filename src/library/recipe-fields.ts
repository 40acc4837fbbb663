import { Prisma, type Recipe } from '../generated/prisma/client.ts';
import { isRecord } from '../recipes/fields.ts';
import { describe, ROOT, type RecipeProblem } from '../recipes/problems.ts';
import { newId } from '../store/ids.ts';
import { seal } from '../store/secrets.ts';
import { cronProblem } from '../triggers/cron.ts';

// The recipe's own JSON (spec recipes-api.md §2) ↔ the recipes row. The compiler checks what the plan
// is made of (name, steps, inputs, outputs, execution_config); this checks the rest of the fields.

export type RecipeJson = Record<string, unknown>;

export const DEFAULT_EXECUTION_CONFIG = { mode: 'sequential', max_retries: 1, timeout_per_step: 300, total_timeout: 600, auto_learning: true };

/** What a client may change (the product's updatable fields); `template_id` is set on create only. */
export const UPDATABLE_FIELDS = [
  'name', 'description', 'tags', 'template_definition', 'steps', 'inputs', 'outputs', 'execution_config', 'schedule_config',
  'recommended_agents', 'required_tools', 'is_public', 'is_featured', 'preview_image', 'documentation_url', 'version', 'changelog',
] as const;

export const SCHEDULE_TYPES = ['manual', 'cron', 'trigger', 'webhook'] as const;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

const stringList = (value: unknown, max: number, length: number) =>
  Array.isArray(value) && value.length <= max && value.every((each) => typeof each === 'string' && each.trim() !== '' && each.length <= length);

/** null sets a field back to this (fields without one are required or nullable). */
const DEFAULTS: RecipeJson = {
  description: '', tags: [], template_definition: {}, inputs: {}, outputs: {}, execution_config: DEFAULT_EXECUTION_CONFIG, recommended_agents: [],
  required_tools: [], is_public: true, is_featured: false, version: '1.0', changelog: [],
};

/** Each field's rule: the message when the value breaks it. null is handled before (default or nullable). */
const RULES: Record<string, (value: unknown) => string | undefined> = {
  template_id: (v) => (typeof v === 'string' && SLUG.test(v) ? undefined : `\`template_id\` is a slug of letters, digits, \`-\` and \`_\` (at most 100), not ${describe(v)}.`),
  name: (v) => (typeof v === 'string' && v.length > 200 ? '`name` is longer than 200 characters.' : undefined),
  description: (v) => (typeof v === 'string' && v.length > 4000 ? '`description` is longer than 4000 characters.' : undefined),
  tags: (v) => (stringList(v, 50, 50) ? undefined : `\`tags\` is a list of at most 50 non-empty strings of at most 50 characters, not ${describe(v)}.`),
  template_definition: (v) => (isRecord(v) ? undefined : `\`template_definition\` must be an object, not ${describe(v)}.`),
  recommended_agents: (v) => (Array.isArray(v) && v.length <= 100 ? undefined : `\`recommended_agents\` is a list of at most 100, not ${describe(v)}.`),
  required_tools: (v) => (stringList(v, 100, 200) ? undefined : `\`required_tools\` is a list of at most 100 non-empty strings, not ${describe(v)}.`),
  is_public: (v) => (typeof v === 'boolean' ? undefined : `\`is_public\` must be true or false, not ${describe(v)}.`),
  is_featured: (v) => (typeof v === 'boolean' ? undefined : `\`is_featured\` must be true or false, not ${describe(v)}.`),
  preview_image: (v) => (typeof v === 'string' && v.length <= 2000 ? undefined : `\`preview_image\` is a URL of at most 2000 characters or null, not ${describe(v)}.`),
  documentation_url: (v) => (typeof v === 'string' && v.length <= 2000 ? undefined : `\`documentation_url\` is a URL of at most 2000 characters or null, not ${describe(v)}.`),
  version: (v) => (typeof v === 'string' && v.trim() !== '' && v.length <= 50 ? undefined : `\`version\` is a non-empty string of at most 50 characters, not ${describe(v)}.`),
  changelog: (v) => (Array.isArray(v) && v.length <= 1000 ? undefined : `\`changelog\` is a list of at most 1000 entries, not ${describe(v)}.`),
};
const NULLABLE = new Set(['schedule_config', 'preview_image', 'documentation_url']);

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function scheduleProblems(value: unknown, problems: RecipeProblem[]): void {
  const add = (path: string, message: string): void => void problems.push({ path, code: 'INVALID_SCHEDULE', message });
  if (!isRecord(value)) return add('schedule_config', `\`schedule_config\` is null or an object with a \`type\`, not ${describe(value)}.`);
  const { type, cron_expression: cron, timezone, trigger_config: trigger, webhook_secret: secret } = value;
  if (!SCHEDULE_TYPES.includes(type as never)) add('schedule_config.type', `\`type\` is one of ${SCHEDULE_TYPES.join(', ')}, not ${describe(type)}.`);
  if (type === 'cron') {
    const problem = typeof cron === 'string' ? cronProblem(cron) : undefined;
    if (typeof cron !== 'string') add('schedule_config.cron_expression', `A cron schedule needs \`cron_expression\` (such as "0 9 * * 1-5"), not ${describe(cron)}.`);
    else if (problem) add('schedule_config.cron_expression', `${problem}.`);
  }
  if (timezone !== undefined && timezone !== null && (typeof timezone !== 'string' || !validTimezone(timezone))) add('schedule_config.timezone', `\`timezone\` is an IANA time zone such as "Europe/Paris", not ${describe(timezone)}.`);
  if (trigger !== undefined && trigger !== null && !isRecord(trigger)) add('schedule_config.trigger_config', `\`trigger_config\` must be an object, not ${describe(trigger)}.`);
  if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret.length > 500)) add('schedule_config.webhook_secret', `\`webhook_secret\` is a string of at most 500 characters, not ${describe(secret)}.`);
  if ('webhook_secret_sealed' in value || 'webhook_signed' in value) add('schedule_config', 'Send the secret as `webhook_secret`; `webhook_secret_sealed` and `webhook_signed` are what Baton stores and shows.');
}

/**
 * The problems of the fields the compiler does not read, in a create body (`template_id` allowed)
 * or a patch; and the fields with null replaced by their defaults.
 */
export function readFields(input: unknown, kind: 'create' | 'update'): { fields: RecipeJson; problems: RecipeProblem[] } {
  const problems: RecipeProblem[] = [];
  if (!isRecord(input)) {
    problems.push({ path: ROOT, code: 'INVALID_RECIPE', message: `A recipe is an object with template_id, name and steps, not ${describe(input)}.` });
    return { fields: {}, problems };
  }
  const settable: readonly string[] = kind === 'create' ? ['template_id', ...UPDATABLE_FIELDS] : UPDATABLE_FIELDS;
  const fields: RecipeJson = {};
  for (const [name, value] of Object.entries(input)) {
    if (!settable.includes(name)) {
      const why = name === 'template_id' ? 'is set when the recipe is created and cannot be changed' : `is not a field a client sets (those are ${settable.join(', ')})`;
      problems.push({ path: name, code: 'UNKNOWN_FIELD', message: `\`${name}\` ${why}.` });
      continue;
    }
    if (value === undefined) continue;
    if (value === null && !NULLABLE.has(name)) {
      if (name in DEFAULTS) fields[name] = DEFAULTS[name];
      else fields[name] = null; // required: the compiler (name, steps) or the rule (template_id) names it
    } else fields[name] = value;
    if (name === 'schedule_config' && value !== null) scheduleProblems(value, problems);
    const message = fields[name] === null ? undefined : RULES[name]?.(fields[name]);
    if (message) problems.push({ path: name, code: 'INVALID_FIELD', message });
  }
  if (kind === 'create' && (fields.template_id ?? null) === null) {
    problems.unshift({ path: 'template_id', code: 'MISSING_FIELD', message: '`template_id` is required: the slug clients address the recipe by.' });
  }
  return { fields, problems };
}

/** The recipe's settable fields as the product writes them: what a patch merges into and the compiler reads. */
export function recipeJson(row: Recipe): RecipeJson {
  return {
    template_id: row.templateId, name: row.name, description: row.description, tags: row.tags, template_definition: row.templateDefinition, steps: row.steps,
    inputs: row.inputs, outputs: row.outputs, execution_config: row.executionConfig, schedule_config: row.scheduleConfig, recommended_agents: row.recommendedAgents,
    required_tools: row.requiredTools, is_public: row.isPublic, is_featured: row.isFeatured, preview_image: row.previewImage, documentation_url: row.documentationUrl,
    version: row.version, changelog: row.changelog,
  };
}

/** A create body with every absent field at its default (execution_config's defaults under the given ones). */
export function withDefaults(fields: RecipeJson): RecipeJson {
  const config = isRecord(fields.execution_config) ? { ...DEFAULT_EXECUTION_CONFIG, ...fields.execution_config } : (fields.execution_config ?? DEFAULT_EXECUTION_CONFIG);
  return { ...DEFAULTS, schedule_config: null, preview_image: null, documentation_url: null, ...fields, execution_config: config };
}

/**
 * A trigger or webhook schedule gets a webhook id once, and keeps it across updates. A
 * `webhook_secret` given is stored sealed, as `webhook_secret_sealed` (a schedule kept as it was
 * keeps its sealed one); the secret itself is never stored.
 */
function scheduleWithWebhook(schedule: unknown, previous: unknown, secretKey: Buffer | undefined): unknown {
  if (!isRecord(schedule)) return schedule;
  const { webhook_secret: secret, ...rest } = schedule;
  if (typeof secret === 'string' && secret !== '' && !secretKey) throw new Error('rowData needs the secret key to seal a webhook_secret');
  const sealed = typeof secret === 'string' && secret !== '' ? { webhook_secret_sealed: seal(secretKey!, secret) } : {};
  if (rest.type !== 'trigger' && rest.type !== 'webhook') return { ...rest, ...sealed };
  const kept = isRecord(previous) && typeof previous.webhook_id === 'string' ? previous.webhook_id : undefined;
  return { ...rest, ...sealed, webhook_id: kept ?? newId('whk') };
}

const json = (value: unknown) => value as Prisma.InputJsonValue;

/** A valid recipe's JSON as the row's columns; `secretKey` seals a `webhook_secret` of its schedule. */
export function rowData(recipe: RecipeJson, previousSchedule: unknown = null, secretKey?: Buffer) {
  const schedule = scheduleWithWebhook(recipe.schedule_config, previousSchedule, secretKey);
  return {
    templateId: recipe.template_id as string,
    name: recipe.name as string,
    description: (recipe.description as string | undefined) ?? '',
    tags: recipe.tags as string[],
    templateDefinition: json(recipe.template_definition),
    steps: json(recipe.steps),
    inputs: json(recipe.inputs ?? {}),
    outputs: json(recipe.outputs ?? {}),
    executionConfig: json(recipe.execution_config),
    scheduleConfig: schedule === null || schedule === undefined ? Prisma.DbNull : json(schedule),
    recommendedAgents: json(recipe.recommended_agents),
    requiredTools: recipe.required_tools as string[],
    isPublic: recipe.is_public as boolean,
    isFeatured: recipe.is_featured as boolean,
    previewImage: (recipe.preview_image as string | null) ?? null,
    documentationUrl: (recipe.documentation_url as string | null) ?? null,
    version: recipe.version as string,
    changelog: json(recipe.changelog),
  };
}

/** The schedule as clients see it: `webhook_secret` is write-only (`webhook_signed` says whether there is one). */
export function publicSchedule(schedule: unknown): unknown {
  if (!isRecord(schedule)) return schedule ?? null;
  const { webhook_secret: plain, webhook_secret_sealed: sealed, ...rest } = schedule;
  return plain || sealed ? { ...rest, webhook_signed: true } : rest;
}

/** The agent ids the steps name (for locking them and for finding the recipes that use an agent). */
export function agentIdsOf(steps: unknown): string[] {
  if (!Array.isArray(steps)) return [];
  return [...new Set(steps.flatMap((step) => (isRecord(step) && typeof step.agent_id === 'string' ? [step.agent_id] : [])))];
}
