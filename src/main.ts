import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Role } from './app.ts';
import type { Db } from './store/db.ts';
import { EnvError, parseEnv } from './env.ts';
import type { KeyRole } from './tenancy/auth.ts';

// What a command needs is imported when it runs: `baton --help` loads none of the server.

const USAGE = `Usage:
  baton serve [--role api|worker|all]     start the server (default role: all)
  baton tenant create <name> [--role admin|member] [--json]
                                          create a tenant and its first API key (a member's)
  baton key create --tenant <id> [--role admin|member] [--json]
                                          create another API key for a tenant; admin keys
                                          review the marketplace of every tenant
  baton key list --tenant <id> [--json]   list a tenant's keys (ids, roles, when created and revoked)
  baton key revoke <key id | key>         revoke an API key (its id, or the key as printed)
  baton compile <file.md> [--json]        check a workflow: prints file:line:col notes, exits 1 when invalid

  baton --version                         print the version

Configuration comes from the environment: see the README.`;

const STOP_DEADLINE_MS = 10_000;
const PARENT_CHECK_MS = 1_000;

class UsageError extends Error {}

async function version(): Promise<string> {
  const { version: number } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `baton ${number}`;
}

/** A key id (`key_…`), or a key as printed (`bt_<id part>_<secret>`), whose id it names. */
const keyIdOf = (given: string) => {
  const printed = /^bt_([0-9a-z]{25})_/.exec(given);
  return printed ? `key_${printed[1]}` : given;
};

async function keyRoleOf(role: string | undefined): Promise<KeyRole> {
  if (role === undefined) return 'member';
  const { KEY_ROLES } = await import('./tenancy/auth.ts');
  if (!(KEY_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be ${KEY_ROLES.join(' or ')}, not "${role}"`);
  return role as KeyRole;
}

async function serve(role: Role): Promise<void> {
  // Read first: a parent that dies while this starts must still count as gone.
  const parent = process.ppid;
  const env = parseEnv();
  const [{ openDatabaseServer }, { buildApp }, { ensureDefaultTenant }] = await Promise.all([import('./store/database-url.ts'), import('./app.ts'), import('./tenancy/tenants.ts')]);
  const database = await openDatabaseServer(env);
  const app = await buildApp({ env, databaseUrl: database.url, role });
  let url: string | undefined;
  try {
    url = await app.start();
  } catch (error) {
    // Nothing is left running: not the workers, not the embedded database.
    await app.stop();
    await database.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${env.port} is in use by another program: stop it, or set PORT to a free port`);
    if (code === 'EACCES') throw new Error(`port ${env.port} needs privileges this user lacks: set PORT to a port above 1023`);
    throw error;
  }
  // Only once serving: a start that failed has shown no key, so it creates none.
  const created = await ensureDefaultTenant(app.database.db, env.dataDir);

  console.log(`Baton is running (role: ${role})`);
  if (url) {
    console.log(`  GraphQL   ${url}/graphql   (open it in a browser for GraphiQL)`);
    console.log(`  Health    ${url}/healthz`);
  }
  console.log(`  Database  ${database.description}${database.note ? ` (${database.note})` : ''}`);
  console.log(`  Pub/sub   ${app.pubsub.kind}${env.redisUrl ? ` (${new URL(env.redisUrl).host})` : ''}`);
  console.log(`  Models    ${env.anthropicApiKey ? 'Anthropic API' : 'offline model (set ANTHROPIC_API_KEY for Claude)'}`);
  const metrics = app.metricsUrl ?? (app.metrics && url ? `${url}/metrics` : undefined);
  if (metrics) console.log(`  Metrics   ${metrics}`);
  if (env.tracing) {
    const { origin, pathname } = new URL(env.tracing.url);
    console.log(`  Traces    OTLP ${env.tracing.protocol} to ${origin}${pathname}`);
  }
  if (created) {
    console.log('\nFirst start: created the default tenant. The key is shown only this once;');
    console.log(`it is also saved in ${env.dataDir}/credentials.json.`);
    console.log(`  Tenant id  ${created.tenantId}`);
    console.log(`  API key    ${created.apiKey}`);
    console.log(`\nTry: curl ${url ?? 'http://localhost:4000'}/graphql -H 'authorization: Bearer ${created.apiKey}' \\`);
    console.log(`       -H 'x-tenant-id: ${created.tenantId}' -H 'content-type: application/json' \\`);
    console.log(`       -d '{"query":"{ viewer { tenant { id name } } }"}'`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (finishing in-flight requests)…`);
    setTimeout(() => {
      console.error(`still not stopped after ${STOP_DEADLINE_MS / 1000} s: exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await app.stop();
    await database.stop();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Started by npm or a process manager that died without passing its signal on, this process would
  // be left running, orphaned: it stops as it would on SIGTERM.
  setInterval(() => process.ppid !== parent && void stop('parent process gone'), PARENT_CHECK_MS).unref();
}

/** Runs `work` against the configured database, then releases it. */
async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const [{ openDatabaseServer }, { openDatabase }] = await Promise.all([import('./store/database-url.ts'), import('./store/db.ts')]);
  const server = await openDatabaseServer(parseEnv());
  const database = openDatabase(server.url);
  try {
    return await work(database.db);
  } finally {
    await database.close();
    await server.stop();
  }
}

/** `baton compile`: compiler notes as `file:line:column severity CODE message`, exit 1 when invalid. */
async function compileFile(file: string | undefined, json: boolean): Promise<void> {
  if (!file) throw new UsageError('compile needs a file: baton compile <file.md>');
  let markdown: string;
  try {
    markdown = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const { compile } = await import('./compiler/compile.ts');
  const result = compile(markdown, { models: parseEnv().models });
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    for (const note of result.notes) console.log(`${file}:${note.line}:${note.column} ${note.severity} ${note.code} ${note.message}`);
    const errors = result.notes.filter((note) => note.severity === 'error').length;
    console.log(result.valid ? `${file}: valid (${result.plan.steps.length} steps)` : `${file}: ${errors} error${errors === 1 ? '' : 's'}`);
  }
  if (!result.valid) process.exitCode = 1;
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, json: { type: 'boolean' }, tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  });
  const [command, sub, arg] = positionals;
  if (values.version) return void console.log(await version());
  if (values.help || !command || command === 'help') return void console.log(USAGE);

  if (command === 'compile') return compileFile(sub, Boolean(values.json));
  if (command === 'serve') {
    const role = (values.role ?? 'all') as Role;
    if (!['api', 'worker', 'all'].includes(role)) throw new UsageError(`--role must be api, worker or all, not "${role}"`);
    return serve(role);
  }
  if (command === 'tenant' && sub === 'create') {
    if (!arg) throw new UsageError('tenant create needs a name: baton tenant create <name>');
    const keyRole = await keyRoleOf(values.role);
    const { createTenant } = await import('./tenancy/tenants.ts');
    const tenant = await withDatabase((db) => createTenant(db, arg, keyRole));
    if (values.json) return void console.log(JSON.stringify({ tenant_id: tenant.tenantId, name: tenant.name, api_key: tenant.apiKey }));
    console.log(`Created tenant "${tenant.name}". The key is shown only this once.`);
    console.log(`  Tenant id  ${tenant.tenantId}\n  API key    ${tenant.apiKey}`);
    return;
  }
  if (command === 'key' && sub === 'create') {
    const tenantId = values.tenant;
    if (!tenantId) throw new UsageError('key create needs --tenant <tenant id>');
    const keyRole = await keyRoleOf(values.role);
    const { createApiKey } = await import('./tenancy/auth.ts');
    const key = await withDatabase(async (db) => {
      if (!(await db.tenant.findUnique({ where: { id: tenantId } }))) throw new UsageError(`no tenant with id ${tenantId}`);
      return createApiKey(db, tenantId, keyRole);
    });
    if (values.json) return void console.log(JSON.stringify({ tenant_id: tenantId, key_id: key.id, api_key: key.key, role: keyRole }));
    console.log(`Created ${keyRole} key ${key.id} for tenant ${tenantId}. It is shown only this once.\n  API key    ${key.key}`);
    return;
  }
  if (command === 'key' && sub === 'list') {
    const tenantId = values.tenant;
    if (!tenantId) throw new UsageError('key list needs --tenant <tenant id>');
    const keys = await withDatabase((db) => db.apiKey.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, role: true, createdAt: true, revokedAt: true } }));
    if (values.json) return void console.log(JSON.stringify(keys.map((key) => ({ key_id: key.id, role: key.role, created_at: key.createdAt, revoked_at: key.revokedAt }))));
    if (keys.length === 0) return void console.log(`No keys for tenant ${tenantId}`);
    for (const key of keys) console.log(`${key.id}  ${key.role.padEnd(6)}  created ${key.createdAt.toISOString()}${key.revokedAt ? `  revoked ${key.revokedAt.toISOString()}` : ''}`);
    return;
  }
  if (command === 'key' && sub === 'revoke') {
    if (!arg) throw new UsageError('key revoke needs a key id or the key: baton key revoke <key id | key>');
    const id = keyIdOf(arg);
    const revoked = await withDatabase((db) => db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }));
    if (revoked.count === 0) throw new UsageError(`no active key with id ${id}`);
    console.log(`Revoked key ${id}`);
    return;
  }
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

// A mistake in the command line is one line and a pointer to the usage, never the whole usage.
run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof EnvError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`baton: ${(error as Error).message.split('\n')[0]} (baton --help shows every command)`);
    process.exit(2);
  }
  console.error('baton:', error instanceof Error ? error.message : error);
  process.exit(1);
});
