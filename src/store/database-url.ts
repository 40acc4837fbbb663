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

/** DATABASE_URL when set, else the embedded PostgreSQL under BATON_DATA_DIR; migrated either way. */
export async function openDatabaseServer(env: Env): Promise<DatabaseServer> {
  const server = env.databaseUrl
    ? { url: env.databaseUrl, description: 'DATABASE_URL', stop: async () => {} }
    : { ...(await startEmbeddedPostgres(env.dataDir)), description: `embedded PostgreSQL in ${env.dataDir}/postgres` };
  try {
    await migrate(server.url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
