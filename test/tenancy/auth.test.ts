import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { openDatabase } from '../../src/store/db.ts';
import { authenticate, createApiKey } from '../../src/tenancy/auth.ts';
import { createTenant, ensureDefaultTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase } from '../support/database.ts';

const Viewer = graphql(`
  query Viewer {
    viewer {
      tenant {
        id
        name
      }
    }
  }
`);

let t: TestApp;
const statements: string[] = [];
beforeAll(async () => {
  t = await startTestApp({ onQuery: (sql) => statements.push(sql) });
});
afterAll(() => t.stop());

describe('API keys and tenants', () => {
  it('answers viewer with the tenant the key belongs to', async () => {
    const { status, body } = await t.request(Viewer);
    expect(status).toBe(200);
    expect(body.data?.viewer.tenant).toEqual({ id: t.tenant.tenantId, name: 'test tenant' });
  });

  it('accepts the key in x-api-key as well', async () => {
    const { status, body } = await t.request(Viewer, undefined, { 'x-api-key': t.tenant.apiKey, 'x-tenant-id': t.tenant.tenantId });
    expect(status).toBe(200);
    expect(body.data?.viewer.tenant.id).toBe(t.tenant.tenantId);
  });

  it.each([
    ['no credentials', {}, /API key/],
    ['a key without x-tenant-id', { authorization: 'Bearer x' }, /x-tenant-id/],
    ['a malformed key', { authorization: 'Bearer nope', 'x-tenant-id': 'ten_x' }, /not valid/],
  ])('refuses %s with 401', async (_name, headers, detail) => {
    const { status, body } = await t.request(Viewer, undefined, headers);
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', detail: expect.stringMatching(detail) });
  });

  it('refuses a real key sent with another tenant id', async () => {
    const other = await createTenant(t.app.database.db, 'other');
    const { status } = await t.request(Viewer, undefined, { ...credentialsOf(t.tenant), 'x-tenant-id': other.tenantId });
    expect(status).toBe(401);
  });

  it('refuses a key whose secret part was altered', async () => {
    const key = t.tenant.apiKey;
    const altered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    const { status } = await t.request(Viewer, undefined, { ...credentialsOf(t.tenant), authorization: `Bearer ${altered}` });
    expect(status).toBe(401);
  });

  it('refuses a revoked key and keeps the tenant’s other keys working', async () => {
    const second = await createApiKey(t.app.database.db, t.tenant.tenantId);
    const headers = { authorization: `Bearer ${second.key}`, 'x-tenant-id': t.tenant.tenantId };
    expect((await t.request(Viewer, undefined, headers)).status).toBe(200);
    await t.app.database.db.apiKey.update({ where: { id: second.id }, data: { revokedAt: new Date() } });
    expect((await t.request(Viewer, undefined, headers)).status).toBe(401);
    expect((await t.request(Viewer)).status).toBe(200);
  });

  it('stores only a hash of each key', async () => {
    const rows = await t.app.database.pool.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM api_keys k');
    const secret = t.tenant.apiKey.split('_').slice(2).join('_');
    expect(rows.rowCount).toBeGreaterThan(0);
    for (const { row } of rows.rows) expect(row).not.toContain(secret);
  });

  it('lets anonymous clients introspect the schema, and nothing else', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('does the same database work for an unknown key id as for a known one with a wrong secret', async () => {
    const [, id, secret] = /^bt_([0-9a-z]{25})_(.+)$/.exec(t.tenant.apiKey)!;
    const wrongSecret = `bt_${id}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const unknownId = `bt_${'z'.repeat(25)}_${secret}`;
    // Prisma's statements, and the pool's own (authentication queries the pool directly).
    const pooled = vi.spyOn(t.app.database.pool, 'query');
    const work = async (key: string) => {
      statements.length = 0;
      pooled.mockClear();
      expect((await t.request(Viewer, undefined, { authorization: `Bearer ${key}`, 'x-tenant-id': t.tenant.tenantId })).status).toBe(401);
      return [...statements, ...pooled.mock.calls.map(([query]) => (typeof query === 'string' ? query : (query as { text: string }).text))];
    };
    const known = await work(wrongSecret);
    expect(known).toHaveLength(1);
    expect(await work(unknownId)).toEqual(known);
    pooled.mockRestore();
  });
});

describe('key roles', () => {
  it('gives the first start an admin key, and every other key the member role unless asked', async () => {
    const database = openDatabase(await createTestDatabase());
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'baton-first-start-'));
      const first = await ensureDefaultTenant(database.db, dataDir);
      expect(first).toBeDefined();
      expect(await ensureDefaultTenant(database.db, dataDir)).toBeUndefined();
      const asKey = (key: string, tenantId: string) => authenticate(database.pool, { authorization: `Bearer ${key}`, tenantId });
      expect((await asKey(first!.apiKey, first!.tenantId)).role).toBe('admin');
      const second = await createApiKey(database.db, first!.tenantId);
      expect((await asKey(second.key, first!.tenantId)).role).toBe('member');
      const other = await createTenant(database.db, 'other');
      expect((await asKey(other.apiKey, other.tenantId)).role).toBe('member');
    } finally {
      await database.close();
    }
  });
});
