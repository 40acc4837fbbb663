import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey, type KeyRole } from './auth.ts';
import type { Db, Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';

export interface NewTenant {
  tenantId: string;
  name: string;
  apiKey: string;
}

export async function createTenant(db: Tx, name: string, role: KeyRole = 'member'): Promise<NewTenant> {
  const tenant = await db.tenant.create({ data: { id: newId('ten'), name } });
  const { key } = await createApiKey(db, tenant.id, role);
  return { tenantId: tenant.id, name: tenant.name, apiKey: key };
}

/**
 * On the first start with an empty database, creates the `default` tenant and a key so a new user
 * can call the API at once (an `admin` key), and saves them to `<dataDir>/credentials.json` (0600). Returns them, or
 * undefined when the database already had tenants.
 */
export async function ensureDefaultTenant(db: Db, dataDir: string): Promise<NewTenant | undefined> {
  const created = await db.$transaction(async (tx) => {
    // Several processes may start at once on one empty database: only one creates the tenant.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7402114)`;
    if ((await tx.tenant.count()) > 0) return undefined;
    // The first user runs the server: theirs is the administrator's key.
    return createTenant(tx, 'default', 'admin');
  });
  if (!created) return undefined;
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    join(dataDir, 'credentials.json'),
    `${JSON.stringify({ tenant_id: created.tenantId, api_key: created.apiKey }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return created;
}
