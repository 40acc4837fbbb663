// Baton as its users run it: `baton serve --role all` in a child process on its own database, the
// workflow created over REST, each run started over REST (`POST /workflows/{id}/run`) and its
// completion seen on a graphql-ws `executionUpdates` subscription.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { chain } from '../chain.ts';
import { STEPS, type Engine } from './engine.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `baton serve` and waits for its "GraphQL <url>" line. `BENCH_BATON_NODE_ARGS` adds node flags (e.g. `--cpu-prof`). */
async function serve(root: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const nodeArgs = (process.env.BENCH_BATON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/baton.js', 'serve', '--role', 'all'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`baton serve exited (${code}) before serving`)));
    lines.on('line', (line) => {
      const match = /GraphQL\s+(\S+)\/graphql/.exec(line);
      if (match) resolve(match[1]);
    });
  });
  return { child, url };
}

/** `root`: a checkout of Baton to run (another commit's, to compare two side by side); this one by default. */
export async function baton(modelUrl: string, databaseUrl: string, root = ROOT, name = 'Baton (baton serve, REST + graphql-ws)'): Promise<Engine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-peers-'));
  const { child, url } = await serve(root, {
    DATABASE_URL: databaseUrl,
    ANTHROPIC_API_KEY: 'sk-bench',
    ANTHROPIC_BASE_URL: modelUrl,
    PORT: '0',
    BATON_DATA_DIR: dataDir,
    BATON_RATE_LIMIT: '0',
    ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
  });
  const { tenant_id, api_key } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { tenant_id: string; api_key: string };
  const headers = { authorization: `Bearer ${api_key}`, 'x-tenant-id': tenant_id };
  const rest = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const workflow = await rest('/workflows', { markdown: chain(STEPS) });

  // One subscription for the whole benchmark, as a dashboard holds one.
  const waiting = new Map<string, { resolve(): void; reject(error: Error): void }>();
  const early = new Map<string, string>();
  const ws = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: headers, retryAttempts: 0 });
  await new Promise<void>((resolve, reject) => {
    ws.on('connected', () => resolve());
    ws.subscribe<{ executionUpdates: { executionId: string; status: string } }>(
      { query: 'subscription { executionUpdates { executionId status } }' },
      {
        next: ({ data }) => {
          const update = data?.executionUpdates && { ...data.executionUpdates, status: data.executionUpdates.status.toLowerCase() };
          if (!update || update.status === 'running' || update.status === 'queued') return;
          const waiter = waiting.get(update.executionId);
          if (!waiter) return void early.set(update.executionId, update.status);
          waiting.delete(update.executionId);
          if (update.status === 'completed') waiter.resolve();
          else waiter.reject(new Error(`execution ${update.executionId} ${update.status}`));
        },
        error: reject,
        complete: () => {},
      },
    );
  });

  return {
    name,
    async run(n) {
      const { execution_id: id } = (await rest(`/workflows/${workflow.id}/run`, { inputs: { n } })) as { execution_id: string };
      const status = early.get(id);
      if (status !== undefined) {
        early.delete(id);
        if (status !== 'completed') throw new Error(`execution ${id} ${status}`);
        return;
      }
      await new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    async stop() {
      await ws.dispose();
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
