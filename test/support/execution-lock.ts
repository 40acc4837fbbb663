import type pg from 'pg';
import type { TestApp } from './app.ts';

/**
 * Takes an execution's row lock, as the engine's transactions do, in a transaction of the test's
 * own, so the engine's next transaction of that execution waits until the test commits.
 */
export async function holdExecutionLock(t: TestApp, id: string): Promise<pg.PoolClient> {
  const client = await t.app.database.pool.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM executions WHERE id = $1 FOR UPDATE', [id]);
  return client;
}
