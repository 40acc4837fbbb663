import { inject } from 'vitest';
import pg from 'pg';
import { randomToken } from '../../src/store/ids.ts';

/** A fresh, migrated database for one test file (a clone of the run's template). */
export async function createTestDatabase(): Promise<string> {
  const name = `${inject('databasePrefix')}${randomToken().slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  } finally {
    await admin.end();
  }
  const url = new URL(inject('adminUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}
