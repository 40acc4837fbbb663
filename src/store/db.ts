import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
/** A client or an open transaction: what functions take when they may run inside either. */
export type Tx = Prisma.TransactionClient;

/** One pool per process: Prisma runs on it and raw checks (health) borrow from it. */
export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** `onQuery` sees every SQL statement Prisma runs, with its parameters as JSON (for debugging, for tests that count queries, for benchmarks that explain them). */
export function openDatabase(url: string, onQuery?: (sql: string, params: string) => void): Database {
  // No statement of Baton's takes seconds, and no transaction waits long between statements: limits
  // that end a stuck one instead of letting it hold its locks (sent at connect, no extra round trip).
  // Pipeline mode: a client sends queries without waiting for the previous answer, so the engine
  // sends BEGIN with its first statement and its last writes with COMMIT (one round trip each).
  const pool = new pg.Pool({ connectionString: url, max: 20, statement_timeout: 20_000, idle_in_transaction_session_timeout: 60_000, pipeline: true });
  // An idle client can lose its server (a restart); pg reports that here instead of crashing the process.
  pool.on('error', (error) => console.error('database pool:', error.message));
  const db = new PrismaClient({ adapter: new PrismaPg(pool), ...(onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {}) });
  if (onQuery) (db as unknown as { $on(event: 'query', listener: (e: { query: string; params: string }) => void): void }).$on('query', (event) => onQuery(event.query, event.params));
  return {
    db,
    pool,
    close: async () => {
      await db.$disconnect();
      await pool.end();
    },
  };
}
