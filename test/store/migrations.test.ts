import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { getDatamodel } from '../../src/generated/pothos-types.ts';
import { createTestDatabase } from '../support/database.ts';

let url: string;
let client: pg.Client;
beforeAll(async () => {
  url = await createTestDatabase();
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterAll(() => client.end());

describe('migrations', () => {
  it('are recorded in _prisma_migrations the way Prisma records them', async () => {
    const files = await readMigrations();
    const { rows } = await client.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((row) => row.migration_name)).toEqual(files.map((file) => file.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(files[i].checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('apply nothing twice', async () => {
    expect(await migrate(url)).toEqual([]);
  });

  it('refuse to start when an applied migration was edited afterwards', async () => {
    const [first] = await readMigrations();
    await client.query('UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2', ['0'.repeat(64), first.name]);
    try {
      await expect(migrate(url)).rejects.toThrow(`migration ${first.name} was changed after it was applied`);
    } finally {
      await client.query('UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2', [first.checksum, first.name]);
    }
  });

  it('serialise concurrent start-ups on an empty database', async () => {
    const fresh = await createTestDatabase();
    const admin = new pg.Client({ connectionString: fresh });
    await admin.connect();
    // Empty it: drop everything the template brought.
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS pgboss CASCADE');
    await admin.end();
    const results = await Promise.all([migrate(fresh), migrate(fresh), migrate(fresh)]);
    const names = (await readMigrations()).map((m) => m.name);
    expect(results.flat().sort()).toEqual(names);
  });
});

/** Postgres's name for the column type each Prisma scalar maps to in our migrations. */
const COLUMN_TYPES: Record<string, string[]> = {
  String: ['text'],
  DateTime: ['timestamp with time zone'],
  Bytes: ['bytea'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Float: ['double precision'],
  Boolean: ['boolean'],
  Json: ['jsonb'],
  Decimal: ['numeric'],
  'String[]': ['ARRAY _text'],
  'Int[]': ['ARRAY _int4'],
};

describe('the generated Prisma client and the migrated database', () => {
  let database: Database;
  beforeAll(() => {
    database = openDatabase(url);
  });
  afterAll(() => database.close());

  it('agree on every model, field and column (no drift)', async () => {
    type Field = { name: string; kind: string; type: string; dbName?: string | null };
    type Model = { dbName: string | null; fields: Field[] };
    const dataModel = (database.db as unknown as { _runtimeDataModel: { models: Record<string, Model>; enums: Record<string, unknown> } })._runtimeDataModel;
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(
      `SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const live = new Map<string, Map<string, string>>();
    for (const row of rows) {
      if (!live.has(row.table_name)) live.set(row.table_name, new Map());
      // A list column is ARRAY, its element type in udt_name (`_text` for text[]).
      live.get(row.table_name)!.set(row.column_name, row.data_type === 'USER-DEFINED' ? row.udt_name : row.data_type === 'ARRAY' ? `ARRAY ${row.udt_name}` : row.data_type);
    }
    const expected = new Map<string, Map<string, string>>();
    for (const [name, model] of Object.entries(dataModel.models)) {
      const columns = new Map<string, string>();
      for (const field of model.fields) {
        if (field.kind === 'object') continue;
        // The runtime model leaves out which fields are lists; the generator's DMMF says.
        const isList = getDatamodel().datamodel.models[name]?.fields.find((each) => each.name === field.name)?.isList;
        columns.set(field.dbName ?? field.name, isList ? `${field.type}[]` : field.type);
      }
      expected.set(model.dbName ?? name, columns);
    }
    expect([...live.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, columns] of expected) {
      const actual = live.get(table)!;
      expect([...actual.keys()].sort(), `columns of ${table}`).toEqual([...columns.keys()].sort());
      for (const [column, prismaType] of columns) {
        const allowed = COLUMN_TYPES[prismaType] ?? [prismaType];
        expect(allowed, `${table}.${column} is ${actual.get(column)} in the database, ${prismaType} in the client`).toContain(actual.get(column));
      }
    }
  });
});
