import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { seal, unseal } from '../store/secrets.ts';

export const TOOL_TRANSPORTS = ['http', 'stdio'] as const;
export type ToolTransport = (typeof TOOL_TRANSPORTS)[number];

/** What a caller sets; `headers` and `env` are secrets: stored sealed, never returned. */
export interface ToolServerFields {
  alias: string;
  transport: ToolTransport;
  url: string | null;
  headers: Record<string, string> | null;
  command: string | null;
  args: string[];
  env: Record<string, string> | null;
  enabled: boolean;
}

/** How this deployment stores and allows tool servers. */
export interface ToolServerPolicy {
  secretKey: Buffer;
  /** BATON_ALLOW_STDIO_TOOLS: commands run on the worker's host. */
  allowStdio: boolean;
}

/** A server as the MCP client connects to it, secrets opened. */
export interface ToolServerConnection {
  id: string;
  alias: string;
  transport: ToolTransport;
  url: string | null;
  headers: Record<string, string>;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  /** Changes when the server is edited, so a pooled session to the old settings is not reused. */
  version: string;
}

/** Aliases reach the model as `<alias>__<tool>`, whose name may hold 64 of [A-Za-z0-9_-]: no `__` in an alias, and room for the tool. */
const ALIAS = /^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_)){0,29}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;
const LIMITS = { url: 2000, command: 1000, args: 100, arg: 4000, secrets: 50, secretValue: 8000 };

function secretProblems(kind: 'headers' | 'env', map: Record<string, string> | null, problems: string[]): void {
  if (map === null) return;
  if (typeof map !== 'object' || Array.isArray(map)) return void problems.push(`\`${kind}\` must be an object of names to string values`);
  const entries = Object.entries(map);
  if (entries.length > LIMITS.secrets) problems.push(`\`${kind}\` holds more than ${LIMITS.secrets} entries`);
  for (const [name, value] of entries) {
    if (!(kind === 'headers' ? HEADER_NAME : ENV_NAME).test(name)) problems.push(`\`${kind}\` name "${name.slice(0, 100)}" is not a valid ${kind === 'headers' ? 'header' : 'environment variable'} name`);
    if (typeof value !== 'string') problems.push(`\`${kind}.${name.slice(0, 100)}\` must be a string`);
    else if (value.length > LIMITS.secretValue || (kind === 'headers' && /[\r\n\0]/.test(value))) problems.push(`\`${kind}.${name.slice(0, 100)}\` is too long or holds a line break`);
  }
}

/** Every problem of a complete set of fields at once: a ValidationError (or ForbiddenError for stdio where it is off). */
function check(fields: ToolServerFields, policy: ToolServerPolicy): void {
  const problems: string[] = [];
  if (!ALIAS.test(fields.alias)) problems.push(`\`alias\` "${fields.alias.slice(0, 100)}" must be 1–30 letters, digits, \`-\` and single \`_\`, starting with a letter or digit (its tools are named \`<alias>__<tool>\`)`);
  if (fields.transport === 'http') {
    let url: URL | undefined;
    try {
      url = fields.url ? new URL(fields.url) : undefined;
    } catch {
      // named below
    }
    if (!url || !/^https?:$/.test(url.protocol) || fields.url!.length > LIMITS.url) problems.push('`url` is required for an http tool server: its Streamable HTTP endpoint, an http(s) URL');
    if (fields.command !== null || fields.args.length || fields.env !== null) problems.push('`command`, `args` and `env` are for stdio tool servers; an http one has `url` and `headers`');
  } else {
    if (!policy.allowStdio) throw new ForbiddenError('Stdio tool servers are off', 'This deployment does not run tool servers as commands; an administrator enables them with BATON_ALLOW_STDIO_TOOLS=1');
    if (!fields.command?.trim() || fields.command.length > LIMITS.command) problems.push('`command` is required for a stdio tool server: the program to run');
    if (fields.args.length > LIMITS.args || fields.args.some((arg) => typeof arg !== 'string' || arg.length > LIMITS.arg)) problems.push(`\`args\` is a list of at most ${LIMITS.args} strings`);
    if (fields.url !== null || fields.headers !== null) problems.push('`url` and `headers` are for http tool servers; a stdio one has `command`, `args` and `env`');
  }
  secretProblems('headers', fields.headers, problems);
  secretProblems('env', fields.env, problems);
  if (problems.length) throw new ValidationError('Invalid tool server', problems.join('; '));
}

export const toolServerNotFound = (id: string) => new NotFoundError('Tool server not found', `No tool server with ID ${id} exists for this tenant`);
const duplicate = (alias: string) => new ConflictError('Tool server exists', `This workspace already has a tool server with the alias ${alias}; choose another alias or update that one`);
const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/** The row's columns for the fields: secrets sealed, their names kept readable. */
function rowData(fields: ToolServerFields, policy: ToolServerPolicy) {
  const headers = fields.headers ?? {};
  const env = fields.env ?? {};
  const hasSecrets = Object.keys(headers).length + Object.keys(env).length > 0;
  return {
    alias: fields.alias,
    transport: fields.transport,
    url: fields.url,
    command: fields.command,
    args: fields.args,
    enabled: fields.enabled,
    headerNames: Object.keys(headers),
    envNames: Object.keys(env),
    secrets: hasSecrets ? seal(policy.secretKey, { headers, env }) : null,
  };
}

const DEFAULTS = { url: null, headers: null, command: null, args: [], env: null, enabled: true } satisfies Partial<ToolServerFields>;

export async function createToolServer(db: Db, tenantId: string, input: Pick<ToolServerFields, 'alias' | 'transport'> & Partial<ToolServerFields>, policy: ToolServerPolicy) {
  const fields = { ...DEFAULTS, ...input };
  check(fields, policy);
  try {
    return await db.toolServer.create({ data: { id: newId('tools'), tenantId, ...rowData(fields, policy) } });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(fields.alias);
    throw error;
  }
}

/** Changes the given fields; `headers` or `env`, when given, replace all of them (null clears). */
export async function updateToolServer(db: Db, tenantId: string, id: string, patch: Partial<ToolServerFields>, policy: ToolServerPolicy) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM tool_servers WHERE id = ${id} AND tenant_id = ${tenantId} FOR UPDATE`;
    const current = await tx.toolServer.findFirst({ where: { id, tenantId } });
    if (!current) throw toolServerNotFound(id);
    const secrets = current.secrets ? unseal<{ headers: Record<string, string>; env: Record<string, string> }>(policy.secretKey, current.secrets) : { headers: {}, env: {} };
    const transport = (patch.transport ?? current.transport) as ToolTransport;
    // Switching transport drops the other transport's settings unless they are given again.
    const same = transport === current.transport;
    const fields: ToolServerFields = {
      alias: patch.alias ?? current.alias,
      transport,
      url: patch.url !== undefined ? patch.url : same ? current.url : null,
      headers: patch.headers !== undefined ? patch.headers : same && current.headerNames.length ? secrets.headers : null,
      command: patch.command !== undefined ? patch.command : same ? current.command : null,
      args: patch.args ?? (same ? current.args : []),
      env: patch.env !== undefined ? patch.env : same && current.envNames.length ? secrets.env : null,
      enabled: patch.enabled ?? current.enabled,
    };
    check(fields, policy);
    try {
      return await tx.toolServer.update({ where: { id }, data: { ...rowData(fields, policy), updatedAt: new Date() } });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(fields.alias);
      throw error;
    }
  });
}

export async function deleteToolServer(db: Db, tenantId: string, id: string) {
  const server = await db.toolServer.findFirst({ where: { id, tenantId } });
  if (!server) throw toolServerNotFound(id);
  await db.toolServer.delete({ where: { id } });
  return server;
}

type Row = NonNullable<Awaited<ReturnType<Db['toolServer']['findFirst']>>>;

/** A row as the MCP client needs it, its secrets opened. */
export function connectionOf(row: Row, secretKey: Buffer): ToolServerConnection {
  const secrets = row.secrets ? unseal<{ headers: Record<string, string>; env: Record<string, string> }>(secretKey, row.secrets) : { headers: {}, env: {} };
  return {
    id: row.id,
    alias: row.alias,
    transport: row.transport as ToolTransport,
    url: row.url,
    headers: secrets.headers,
    command: row.command,
    args: row.args,
    env: secrets.env,
    version: `${row.id}:${row.updatedAt.getTime()}`,
  };
}

/** The tenant's enabled tool servers among `aliases`, ready to connect to. */
export async function toolServerConnections(db: Db, secretKey: Buffer, tenantId: string, aliases: string[]): Promise<ToolServerConnection[]> {
  if (aliases.length === 0) return [];
  const rows = await db.toolServer.findMany({ where: { tenantId, alias: { in: aliases }, enabled: true } });
  return rows.map((row) => connectionOf(row, secretKey));
}

/** The aliases of the tenant's enabled tool servers. */
export async function toolServerAliases(db: Db, tenantId: string): Promise<string[]> {
  const rows = await db.toolServer.findMany({ where: { tenantId, enabled: true }, select: { alias: true }, orderBy: { alias: 'asc' } });
  return rows.map((row) => row.alias);
}
