import { mkdtemp, readlink, rm, stat } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.ts';

async function version(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL', () => {
  it('joins a server another process already runs on the same data instead of starting a second', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-embedded-'));
    const first = await startEmbeddedPostgres(dataDir);
    try {
      const second = await startEmbeddedPostgres(dataDir);
      expect(second.url).toBe(first.url);
      await second.stop(); // not its server: must leave it running
      expect(await version(first.url)).toMatch(/^\d+/);
    } finally {
      await first.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  // As root, PostgreSQL runs as the postgres user, which cannot enter a private directory.
  it.skipIf(userInfo().uid !== 0)('works as root from a directory the postgres user cannot reach', async () => {
    const privateDir = await mkdtemp(join(tmpdir(), 'baton-private-'));
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    const dataDir = join(privateDir, 'data');
    const server = await startEmbeddedPostgres(dataDir);
    const link = join(dataDir, 'postgres');
    const cluster = await readlink(link);
    try {
      expect(await version(server.url)).toMatch(/^\d+/);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
    } finally {
      await server.stop();
      await rm(cluster, { recursive: true, force: true });
      await rm(privateDir, { recursive: true, force: true });
    }
  });
});
