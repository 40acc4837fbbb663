import type { Db } from '../store/db.ts';
import type { KeyRole } from '../tenancy/auth.ts';
import { parseEnv } from '../env.ts';
import { UsageError } from './errors.ts';

// These commands work on the database directly, as the operator of the server: they need no key.

/** Runs `work` against the configured database, then releases it. */
export async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const [{ openDatabaseServer }, { openDatabase }] = await Promise.all([import('../store/database-url.ts'), import('../store/db.ts')]);
  const server = await openDatabaseServer(parseEnv());
  const database = openDatabase(server.url);
  try {
    return await work(database.db);
  } finally {
    await database.close();
    await server.stop();
  }
}

async function keyRoleOf(role: string | undefined): Promise<KeyRole> {
  if (role === undefined) return 'member';
  const { KEY_ROLES } = await import('../tenancy/auth.ts');
  if (!(KEY_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be ${KEY_ROLES.join(' or ')}, not "${role}"`);
  return role as KeyRole;
}

/** A key id (`key_…`), or a key as printed (`bt_<id part>_<secret>`), whose id it names. */
const keyIdOf = (given: string) => {
  const printed = /^bt_([0-9a-z]{25})_/.exec(given);
  return printed ? `key_${printed[1]}` : given;
};

export async function createTenantCommand(name: string | undefined, { role, json }: { role?: string; json: boolean }): Promise<void> {
  if (!name) throw new UsageError('tenant create needs a name: baton tenant create <name>');
  const keyRole = await keyRoleOf(role);
  const { createTenant } = await import('../tenancy/tenants.ts');
  const tenant = await withDatabase((db) => createTenant(db, name, keyRole));
  if (json) return void console.log(JSON.stringify({ tenant_id: tenant.tenantId, name: tenant.name, api_key: tenant.apiKey }));
  console.log(`Created tenant "${tenant.name}". The key is shown only this once.`);
  console.log(`  Tenant id  ${tenant.tenantId}\n  API key    ${tenant.apiKey}`);
}

export async function createKeyCommand(tenantId: string | undefined, { role, json }: { role?: string; json: boolean }): Promise<void> {
  if (!tenantId) throw new UsageError('key create needs --tenant <tenant id>');
  const keyRole = await keyRoleOf(role);
  const { createApiKey } = await import('../tenancy/auth.ts');
  const key = await withDatabase(async (db) => {
    if (!(await db.tenant.findUnique({ where: { id: tenantId } }))) throw new UsageError(`no tenant with id ${tenantId}`);
    return createApiKey(db, tenantId, keyRole);
  });
  if (json) return void console.log(JSON.stringify({ tenant_id: tenantId, key_id: key.id, api_key: key.key, role: keyRole }));
  console.log(`Created ${keyRole} key ${key.id} for tenant ${tenantId}. It is shown only this once.\n  API key    ${key.key}`);
}

export async function listKeysCommand(tenantId: string | undefined, { json }: { json: boolean }): Promise<void> {
  if (!tenantId) throw new UsageError('key list needs --tenant <tenant id>');
  const keys = await withDatabase((db) => db.apiKey.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, role: true, createdAt: true, revokedAt: true } }));
  if (json) return void console.log(JSON.stringify(keys.map((key) => ({ key_id: key.id, role: key.role, created_at: key.createdAt, revoked_at: key.revokedAt }))));
  if (keys.length === 0) return void console.log(`No keys for tenant ${tenantId}`);
  for (const key of keys) console.log(`${key.id}  ${key.role.padEnd(6)}  created ${key.createdAt.toISOString()}${key.revokedAt ? `  revoked ${key.revokedAt.toISOString()}` : ''}`);
}

export async function revokeKeyCommand(given: string | undefined, { json }: { json: boolean }): Promise<void> {
  if (!given) throw new UsageError('key revoke needs a key id or the key: baton key revoke <key id | key>');
  const id = keyIdOf(given);
  const revoked = await withDatabase((db) => db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }));
  if (revoked.count === 0) throw new UsageError(`no active key with id ${id}`);
  console.log(json ? JSON.stringify({ key_id: id, revoked: true }) : `Revoked key ${id}`);
}
