import { join } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import type { Env } from '../env.ts';
import { migrate } from './migrate.ts';

export interface DatabaseServer {
  url: string;
  /** Human-readable: where the data lives. */
  description: string;
  /** Said at start (an embedded server joined or adopted). */
  note?: string;
  stop(): Promise<void>;
}

/** Says where the files are: as root they live outside the data directory, which only links to them. */
function embeddedServer(dataDir: string, server: Awaited<ReturnType<typeof startEmbeddedPostgres>>) {
  const inDataDir = join(dataDir, 'postgres');
  const description =
    server.clusterDir === inDataDir
      ? `embedded PostgreSQL in ${inDataDir}`
      : `embedded PostgreSQL in ${server.clusterDir} (run as the postgres user, since PostgreSQL refuses root; ${inDataDir} links there, so delete both to remove the data)`;
  return { ...server, description };
}

/** DATABASE_URL when set, else the embedded PostgreSQL under BATON_DATA_DIR; migrated either way. */
export async function openDatabaseServer(env: Env): Promise<DatabaseServer> {
  const server = env.databaseUrl
    ? { url: env.databaseUrl, description: 'DATABASE_URL', stop: async () => {} }
    : embeddedServer(env.dataDir, await startEmbeddedPostgres(env.dataDir));
  try {
    await migrate(server.url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
