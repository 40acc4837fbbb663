// `npm run bench:scale`: Baton across processes, as it runs across machines: one API process
// (`baton serve --role api`) and 1, 2, then 4 worker processes (`--role worker`) on one PostgreSQL
// (a database of its own, created and dropped here; PEERS_DATABASE_URL names the server) and one
// Redis (REDIS_URL, default redis://127.0.0.1:6379), against the fake model in its own process.
// For each worker count: throughput (instant model, 200 executions × 5 steps started at once over
// REST, all completions seen on one executionUpdates subscription), the step handoff (a 20-step
// chain at 50 ms, 5 runs at once, from the fake model's log), and what PostgreSQL did per step
// (transactions, rows written, from pg_stat_database) and the connections the processes held.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { startFakeModel } from './fake-model.ts';
import { chain, handoffsOf, percentile } from './chain.ts';
import { ADMIN_URL, createDatabase, dropDatabase } from './peers/databases.ts';

const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 200);



/** Starts `baton serve --role <role>` and resolves once it says it is running (with its URL when it serves HTTP). */
async function serve(role: string, env: Record<string, string>): Promise<{ child: ChildProcess; url?: string }> {
  const child = spawn(process.execPath, ['bin/baton.js', 'serve', '--role', role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  let url: string | undefined;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`baton serve --role ${role} exited (${code})`)));
    lines.on('line', (line) => {
      url ??= /GraphQL\s+(\S+)\/graphql/.exec(line)?.[1];
      if (line.startsWith('  Models')) resolve();
    });
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  await exited;
}


async function main() {
  const database = `scale_${process.pid}`;
  const databaseUrl = await createDatabase(database);
  const fake = await startFakeModel();
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-scale-'));
  const shared = { DATABASE_URL: databaseUrl, REDIS_URL, ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: fake.url, BATON_RATE_LIMIT: '0', BATON_SECRET_KEY: randomBytes(32).toString('hex') };
  const api = await serve('api', { ...shared, PORT: '0', BATON_DATA_DIR: dataDir });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const rows: string[] = [];
  let workers: ChildProcess[] = [];
  try {
    const { tenant_id, api_key } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { tenant_id: string; api_key: string };
    const headers = { authorization: `Bearer ${api_key}`, 'x-tenant-id': tenant_id };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, string>;
    };
    const short = await post('/workflows', { markdown: chain(5) });
    const long = await post('/workflows', { markdown: chain(20) });
    const waiting = new Map<string, () => void>();
    const finished = new Set<string>();
    const ws = createClient({ url: `${api.url!.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: headers, retryAttempts: 0 });
    await new Promise<void>((resolve, reject) => {
      ws.on('connected', () => resolve());
      ws.subscribe<{ executionUpdates: { executionId: string; status: string } }>(
        { query: 'subscription { executionUpdates { executionId status } }' },
        {
          next: ({ data }) => {
            const { executionId, status } = data!.executionUpdates;
            if (status === 'RUNNING') return;
            if (status !== 'COMPLETED') return reject(new Error(`execution ${executionId} ${status}`));
            finished.add(executionId);
            waiting.get(executionId)?.();
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    let n = 0;
    /** Starts `count` runs of a workflow at once; resolves when all have completed. */
    const runAll = async (workflowId: string, count: number) => {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const { execution_id: id } = await post(`/workflows/${workflowId}/run`, { inputs: { n: ++n } });
          if (!finished.has(id)) await new Promise<void>((resolve) => waiting.set(id, resolve));
        }),
      );
    };
    const stats = async () =>
      (
        await admin.query<{ xact: string; written: string }>(`SELECT xact_commit AS xact, tup_inserted + tup_updated + tup_deleted AS written FROM pg_stat_database WHERE datname = $1`, [database])
      ).rows[0];
    const connections = async () => Number((await admin.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, [database])).rows[0].count);

    for (const count of WORKERS) {
      workers = await Promise.all(Array.from({ length: count }, (_, i) => serve('worker', { ...shared, BATON_DATA_DIR: join(dataDir, `worker-${i}`) }).then((w) => w.child)));
      // Warm-up: every worker compiles its code and opens its connections.
      await fake.answer('ok', 0);
      await runAll(short.id, 20);
      // Throughput: instant model.
      const before = await stats();
      const started = performance.now();
      await runAll(short.id, RUNS);
      const seconds = (performance.now() - started) / 1000;
      const after = await stats();
      const steps = RUNS * 5;
      const held = await connections();
      // Handoff: 20-step chains at 50 ms, 5 at once, two rounds.
      await fake.answer('ok', 50);
      await fake.clear();
      await runAll(long.id, 5);
      await runAll(long.id, 5);
      const handoffs = handoffsOf(await fake.calls());
      rows.push(
        `| ${count} | ${(steps / seconds).toFixed(0)} steps/s | ${((Number(after.xact) - Number(before.xact)) / steps).toFixed(2)} | ${((Number(after.written) - Number(before.written)) / steps).toFixed(1)} | ${held} | p50 ${percentile(handoffs, 50).toFixed(1)} ms, p99 ${percentile(handoffs, 99).toFixed(1)} ms |`,
      );
      process.stderr.write(`${count} worker(s) done\n`);
      await Promise.all(workers.map(stop));
      workers = [];
    }
    await ws.dispose();
  } finally {
    await Promise.all(workers.map(stop));
    await stop(api.child);
    await admin.end();
    fake.stop();
    await dropDatabase(database);
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`\n1 API process + N worker processes, one PostgreSQL, Redis pub/sub; throughput: ${RUNS} executions × 5 steps at once, instant model`);
  console.log('| workers | throughput | commits per step | rows written per step | connections held | handoff, 20-step chain at 50 ms, 5 runs at once × 2 |');
  console.log('| ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(row);
}

await main();
