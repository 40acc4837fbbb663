import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Role } from './app.ts';
import { EnvError, parseEnv } from './env.ts';
import { CliError, UsageError } from './cli/errors.ts';
import { OPTIONS } from './cli/options.ts';

// What a command needs is imported when it runs: `baton --help` loads none of the server or client.

const USAGE = `Usage: baton <command> [options]

Server (on the server's machine, against its database):
  baton serve [--role api|worker|all]     start the server (default role: all)
  baton tenant create <name> [--role admin|member]
                                          create a tenant and its first API key (a member's)
  baton key create --tenant <id> [--role admin|member]
                                          another API key for a tenant; admin keys review
                                          the marketplace of every tenant
  baton key list --tenant <id>            a tenant's keys (ids, roles, when created and revoked)
  baton tenant limits <id> [--usd-per-day X] [--usd-per-month X] [--tokens-per-day N] [--max-calls N]
                                          set a tenant's budget and how many model calls run at
                                          once (a limit left out is lifted); with none, print
                                          them and today's spend
  baton key revoke <key id | key>         revoke an API key (its id, or the key as printed)
  baton credentials                       where the first start saved its key, and the key
  baton compile <file.md>                 check a workflow offline: file:line:col notes, exit 1 when invalid

Client (through the API at --url or BATON_URL, default http://localhost:4000):
  baton run <file.md | workflow id> [--input name=value | name:=json]… [--watch]
            [--budget-tokens N] [--budget-usd X]
                                          start a run (a file is pushed first); --watch follows
                                          it live, asks at approval gates on a terminal, and
                                          exits 0 completed, 1 failed or out of budget, 3 stopped
  baton watch <execution id>              follow a run live, as run --watch
  baton fork <id> <step> [--input …]… [--watch]
                                          run it again from a step, keeping the steps before it
                                          (no model call, no cost); prints what it should cost
  baton retry <id> [--watch]              fork from its first step that did not complete
  baton executions [--status <status>] [--limit N]
                                          recent executions, newest first
  baton execution <id>                    one execution: steps, tokens, cost, output
  baton logs <id> [--follow] [--after <seq>]
                                          its events; --follow streams them until it ends,
                                          resuming where it was if the connection drops
  baton approve <id> <step>               approve a step waiting at its gate
  baton reject <id> <step> --reason <why> reject it (the step is revised with the reason)
  baton stop <id>                         stop a run
  baton workflows                         the workflows
  baton workflow push <file.md>           create the workflow, or update the one of its name

  baton --version                         print the version

Every command takes --json (machine-readable output). The client finds its key and tenant in
BATON_API_KEY and BATON_TENANT_ID (or --tenant), else in credentials.json under BATON_DATA_DIR.

Configuration comes from the environment: see the README.`;

const STOP_DEADLINE_MS = 10_000;
const PARENT_CHECK_MS = 1_000;

async function version(): Promise<string> {
  const { version: number } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `baton ${number}`;
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
  // Checked again while it stops, the parent is still gone: only a second signal means "now".
  setInterval(() => process.ppid !== parent && !stopping && void stop('parent process gone'), PARENT_CHECK_MS).unref();
}

/** `baton credentials`: what the server's first start saved, for a user who missed it. */
async function credentials(json: boolean): Promise<void> {
  const file = join(parseEnv().dataDir, 'credentials.json');
  let saved: { tenant_id: string; api_key: string };
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as typeof saved;
  } catch (error) {
    throw new CliError(`no credentials in ${file} (${(error as NodeJS.ErrnoException).code ?? 'not JSON'})`, 'the first `baton serve` on an empty database saves them there; `baton tenant create` makes new ones');
  }
  if (json) return void console.log(JSON.stringify({ file, ...saved }));
  console.log(`Saved by the first start in ${file}:\n  Tenant id  ${saved.tenant_id}\n  API key    ${saved.api_key}`);
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, ...rest] = positionals;
  const [sub, arg] = rest;
  const json = Boolean(values.json);
  if (values.version) return void console.log(await version());
  if (values.help || !command || command === 'help') return void console.log(USAGE);

  const { CLIENT_COMMANDS, runClientCommand } = await import('./cli/client-commands.ts');
  if (CLIENT_COMMANDS.has(command)) {
    process.exitCode = await runClientCommand(command, rest, values);
    return;
  }
  if (command === 'compile') return (await import('./cli/compile-file.ts')).compileFile(sub, json);
  if (command === 'credentials') return credentials(json);
  if (command === 'serve') {
    const role = (values.role ?? 'all') as Role;
    if (!['api', 'worker', 'all'].includes(role)) throw new UsageError(`--role must be api, worker or all, not "${role}"`);
    return serve(role);
  }
  const keys = await import('./cli/keys.ts');
  if (command === 'tenant' && sub === 'create') return keys.createTenantCommand(arg, { role: values.role, json });
  if (command === 'tenant' && sub === 'limits') return (await import('./cli/tenant-limits.ts')).tenantLimitsCommand(arg, values, json);
  if (command === 'key' && sub === 'create') return keys.createKeyCommand(values.tenant, { role: values.role, json });
  if (command === 'key' && sub === 'list') return keys.listKeysCommand(values.tenant, { json });
  if (command === 'key' && sub === 'revoke') return keys.revokeKeyCommand(arg, { json });
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

// A mistake is one line with a hint, never the whole usage.
run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(`baton: ${error.message.split('\n')[0]}${error.hint ? ` (${error.hint})` : ''}`);
    process.exit(error.exitCode);
  }
  if (error instanceof EnvError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`baton: ${(error as Error).message.split('\n')[0]} (baton --help shows every command)`);
    process.exit(2);
  }
  console.error('baton:', error instanceof Error ? error.message : error);
  process.exit(1);
});
