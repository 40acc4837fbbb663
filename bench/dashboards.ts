// `npm run bench:dashboards`: the recipe API's lists and dashboards over real HTTP with 10,000 recipes,
// 200 markdown workflows and 100,000 executions (305,000 step rows) in one tenant. Baton runs in
// this process as an API (no worker: nobody touches the seeded live executions), on the embedded
// PostgreSQL, or on a fresh database of DATABASE_URL's server (dropped afterwards). For each request:
// p50 and p99 of its wall time; the CPU this process spent per request (server and HTTP client) and
// the time Postgres spent planning and executing its statements (EXPLAIN ANALYZE), which say what it
// costs on a machine busy with other work; the SQL statements it ran; then each statement's plan,
// checked for sequential scans of executions, recipes or step_runs. Target: p99 under 50 ms.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { parseEnv } from '../src/env.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import { createTenant } from '../src/tenancy/tenants.ts';
import { credentialsOf } from '../test/support/app.ts';
import { FULL, seed } from './dashboards-seed.ts';

const TARGET_P99_MS = 50;
const WARM_UP = 20;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
// The big tables. A 200-row table (workflows) is read whole faster than through an index, and the
// planner rightly does so; it is listed, not counted.
const WATCHED = new Set(['executions', 'recipes', 'step_runs']);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** A fresh database: a new one on DATABASE_URL's server, or an embedded server in a temporary directory. */
async function freshDatabase(dataDir: string) {
  if (!process.env.DATABASE_URL) {
    const embedded = await startEmbeddedPostgres(dataDir);
    return { url: embedded.url, drop: () => embedded.stop() };
  }
  const name = `baton_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

interface Plan {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: Plan[];
}

/** Every scan of a plan: "Index Only Scan recipes_tenant_id_popularity_id_idx", "Seq Scan recipes". */
function scans(plan: Plan, found: { text: string; seq: boolean }[] = []) {
  if (plan['Relation Name']) found.push({ text: `${plan['Node Type']} ${plan['Index Name'] ?? plan['Relation Name']}`, seq: plan['Node Type'] === 'Seq Scan' && WATCHED.has(plan['Relation Name']) });
  for (const child of plan.Plans ?? []) scans(child, found);
  return found;
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const database = await freshDatabase(dataDir);
  const statements: { sql: string; params: string }[] = [];
  let recording = false;
  try {
    await migrate(database.url);
    const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0' });
    const app = await buildApp({ env, databaseUrl: database.url, role: 'api', onQuery: (sql, params) => void (recording && statements.push({ sql, params })) });
    const url = (await app.start())!;
    try {
      const tenant = await createTenant(app.database.db, 'bench');
      const seeding = performance.now();
      await seed(app.database.db, app.database.pool, tenant.tenantId, env.models);
      // A live worker, so the active list's system load has a capacity to measure against.
      await app.database.pool.query(`INSERT INTO workers (id, pid, host, heartbeat_at) VALUES ('wrk_bench', $1, 'bench', now() + interval '1 day')`, [process.pid]);
      console.log(`seeded ${FULL.recipes} recipes, ${FULL.workflows} workflows, ${FULL.executions} executions in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

      // The tallies the trigger kept while seeding agree with counting the executions.
      const { rows: [check] } = await app.database.pool.query(
        `SELECT (SELECT sum(started) FROM execution_tallies WHERE tenant_id = $1)::int AS tallied, (SELECT count(*) FROM executions WHERE tenant_id = $1)::int AS counted`,
        [tenant.tenantId],
      );
      if (check.tallied !== check.counted) throw new Error(`tallies say ${check.tallied} executions, the table has ${check.counted}`);

      const { rows: [busiest] } = await app.database.pool.query(`SELECT template_id FROM recipes WHERE tenant_id = $1 ORDER BY use_count DESC, id LIMIT 1`, [tenant.tenantId]);
      const headers = credentialsOf(tenant);
      // Extras are measured and explained but not judged: a substring search reads every recipe
      // of the workspace by nature (here the workspace is the whole table, so a scan of it is the
      // planner's right choice).
      const requests: { name: string; path: string; extra?: boolean }[] = [
        { name: 'recipe list (popularity, the default)', path: '/api/workflow-recipes' },
        ...['created_at', 'use_count', 'average_rating', 'name'].map((sort) => ({ name: `recipe list (sort_by=${sort})`, path: `/api/workflow-recipes?sort_by=${sort}` })),
        { name: 'recipe executions list (the busiest recipe)', path: `/api/workflow-recipes/${busiest.template_id}/executions` },
        { name: 'recipe dashboard', path: '/api/workflow-recipes/stats/dashboard' },
        { name: 'workflows list', path: '/api/workflows' },
        { name: 'active workflows (20, the default)', path: '/api/workflows/active' },
        { name: 'workflow dashboard', path: '/api/workflows/stats/dashboard' },
        { name: 'extra: active workflows, limit=100', path: '/api/workflows/active?limit=100', extra: true },
        { name: 'extra: recipe list, page 100 (skip=4950)', path: '/api/workflow-recipes?skip=4950', extra: true },
        { name: 'extra: workflows list, skip=9000', path: '/api/workflows?skip=9000', extra: true },
        { name: 'extra: workflows list, ?tag=ops', path: '/api/workflows?tag=ops', extra: true },
        { name: 'extra: workflows list, ?q=digest', path: '/api/workflows?q=digest', extra: true },
        { name: 'extra: recipe list, ?search=digest', path: '/api/workflow-recipes?search=digest', extra: true },
      ];
      const rows: string[] = [];
      const plans: string[] = [];
      let seqScans = 0;
      let slow = 0;
      for (const { name, path, extra } of requests) {
        const get = async () => {
          const response = await fetch(`${url}${path}`, { headers });
          if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
        };
        for (let i = 0; i < WARM_UP; i++) await get();
        statements.length = 0;
        recording = true;
        await get();
        recording = false;
        const explained = [...statements];
        const times: number[] = [];
        const cpu = process.cpuUsage();
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          await get();
          times.push(performance.now() - started);
        }
        const { user, system } = process.cpuUsage(cpu);
        // What Postgres spends on the request's statements (planning and executing), the median of 5.
        const spent: number[] = [];
        for (let round = 0; round < 5; round++) {
          let total = 0;
          for (const { sql, params } of explained) {
            const { rows: [{ 'QUERY PLAN': [result] }] } = await app.database.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, JSON.parse(params));
            total += result['Planning Time'] + result['Execution Time'];
          }
          spent.push(total);
        }
        const p99 = percentile(times, 99);
        if (p99 > TARGET_P99_MS && !extra) slow++;
        rows.push(
          `| ${name} | ${percentile(times, 50).toFixed(1)} ms | ${p99.toFixed(1)} ms | ${Math.max(...times).toFixed(1)} ms | ${((user + system) / 1000 / SAMPLES).toFixed(1)} ms | ${percentile(spent, 50).toFixed(1)} ms | ${explained.length} |`,
        );
        for (const { sql, params } of explained) {
          const { rows: [{ 'QUERY PLAN': [{ Plan: plan }] }] } = await app.database.pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, JSON.parse(params));
          const found = scans(plan);
          if (!extra) seqScans += found.filter((scan) => scan.seq).length;
          plans.push(`| ${name} | ${sql.replace(/\s+/g, ' ').slice(0, 70).replace(/\|/g, '\\|')}… | ${found.map((scan) => (scan.seq ? `**${scan.text}**` : scan.text)).join('; ') || '(no table)'} |`);
        }
      }
      const load = (await import('node:os')).loadavg();
      console.log(`\n${SAMPLES} sequential requests each after ${WARM_UP} to warm up; load average while measuring ${load.map((l) => l.toFixed(2)).join(', ')}\n`);
      console.log('| request | p50 | p99 | max | Node CPU per request | Postgres time per request | SQL statements |');
      console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const row of rows) console.log(row);
      console.log('\n| request | statement | scans (a sequential scan of executions, recipes or step_runs in bold) |');
      console.log('| --- | --- | --- |');
      for (const plan of plans) console.log(plan);
      const judged = requests.filter((request) => !request.extra).length;
      console.log(`\n${slow === 0 ? '✓' : '✗'} p99 under ${TARGET_P99_MS} ms: ${judged - slow} of ${judged} requests (extras not judged)`);
      console.log(`${seqScans === 0 ? '✓' : '✗'} no sequential scan of executions, recipes or step_runs (${seqScans} found; extras not judged)`);
      if (seqScans > 0) process.exitCode = 1;
    } finally {
      await app.stop();
    }
  } finally {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
