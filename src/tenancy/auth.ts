import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Tx } from '../store/db.ts';
import { ServiceUnavailableError, UnauthenticatedError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';
import { randomToken } from '../store/ids.ts';

/**
 * API keys look like `bt_<key id>_<secret>`: the id finds the stored row, and only the SHA-256 of the
 * 256-bit secret is stored, compared in constant time. A slow password hash buys nothing for secrets
 * this long, and would cost every request.
 */
const KEY = /^bt_([0-9a-z]{25})_([A-Za-z0-9_-]{43})$/;

const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** `admin` keys are the operator's: they review the marketplace, which spans tenants. */
export const KEY_ROLES = ['admin', 'member'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export async function createApiKey(db: Tx, tenantId: string, role: KeyRole = 'member'): Promise<{ id: string; key: string }> {
  const token = randomToken();
  const secret = randomBytes(32).toString('base64url');
  const id = `key_${token}`;
  await db.apiKey.create({ data: { id, tenantId, secretHash: digest(secret), role } });
  return { id, key: `bt_${token}_${secret}` };
}

export interface Tenant {
  id: string;
  name: string;
  /** The role of the key the caller proved the tenant with. */
  role: KeyRole;
}

/** The credentials of a request or WebSocket connection, as sent. */
export interface Credentials {
  authorization?: string | null;
  apiKey?: string | null;
  tenantId?: string | null;
}

export function hasCredentials(credentials: Credentials): boolean {
  return Boolean(credentials.authorization || credentials.apiKey || credentials.tenantId);
}

/** The tenant the credentials prove, or an UnauthenticatedError saying what is wrong with them. */
export async function authenticate(pool: pg.Pool, credentials: Credentials): Promise<Tenant> {
  // `ApiKey <key>` is the recipe product's spelling of the same header (spec/recipes-api.md).
  const bearer = credentials.authorization?.match(/^(?:Bearer|ApiKey)\s+(\S+)\s*$/i)?.[1];
  const key = bearer ?? credentials.apiKey ?? undefined;
  if (!key) {
    throw new UnauthenticatedError('Send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
  }
  if (!credentials.tenantId) throw new UnauthenticatedError('Send your tenant id in the x-tenant-id (or X-Workspace-ID) header');
  const parts = KEY.exec(key);
  const invalid = new UnauthenticatedError('The API key is not valid for this tenant');
  if (!parts) throw invalid;
  // One statement whether or not the key id exists, on the pool (every request runs it: no ORM
  // between), and the secret compared even when no row matched: timing tells nothing about the key.
  const { rows: [row] } = await pool
    .query<{ secretHash: Buffer; revoked: boolean; role: KeyRole; tenantId: string; tenantName: string }>({
      name: 'authenticate',
      text: `SELECT k.secret_hash AS "secretHash", k.revoked_at IS NOT NULL AS revoked, k.role, t.id AS "tenantId", t.name AS "tenantName"
             FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1`,
      values: [`key_${parts[1]}`],
    })
    .catch((error: unknown) => {
      // The key may be fine: the database cannot tell now (503, not 401).
      throw isConnectionFailure(error) ? new ServiceUnavailableError() : error;
    });
  const stored = row ? row.secretHash : digest('');
  const matches = timingSafeEqual(stored, digest(parts[2]));
  if (!row || !matches || row.revoked || row.tenantId !== credentials.tenantId) throw invalid;
  return { id: row.tenantId, name: row.tenantName, role: row.role };
}
