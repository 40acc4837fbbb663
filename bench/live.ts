// `npm run bench:live`: 1,000 graphql-ws subscribers on one execution's `executionEvents`.
//
// This process runs Baton (role all, embedded PostgreSQL or DATABASE_URL). Two child processes
// (this file again) play the outside world: `--model` is the local fake of the Anthropic API,
// streaming the execution's one step as TOKENS text deltas, one every INTERVAL_MS, at its own pace
// whatever the server is doing; `--subscribers` holds SUBSCRIBERS graphql-ws clients on real
// WebSockets. Latency is measured per delivery: from the moment the engine publishes an event (the
// bench wraps the app's pubsub.publish to stamp it) to the moment a subscriber's graphql-ws client
// hands it over, on the wall clock the processes share (performance.timeOrigin + performance.now(),
// sub-millisecond). It includes the server's work for all subscribers, the kernel's loopback TCP,
// and the subscriber process parsing every message. Prints a table; targets in the README.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 200);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 20);
const CONNECT_BATCH = 100;

const now = () => performance.timeOrigin + performance.now();
const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
/** Promise.withResolvers, which Node 20 lacks. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** What the subscriber process reports: when each event (by key) reached each subscriber. */
interface Receipts {
  receipts: Record<string, number[]>;
  errors: string[];
  /** CPU time (µs) the subscriber process spent from the first token to the end. */
  cpuMicros: number;
}
type ToSubscribers = { url: string; connectionParams: Record<string, string>; executionId: string };
type FromSubscribers = { ready: true } | { done: Receipts };

type Event = { seq: number | null; type: string; payload: Record<string, unknown> };
/** An event's keys: its seq, or for token deltas each token (word) it carries. */
const keysOf = (event: Event) => (event.seq === null ? (String(event.payload.text).match(/\S+/g) ?? []).map((word) => `token:${word}`) : [`seq:${event.seq}`]);

const Subscription = `subscription LiveBench($executionId: ID!) {
  executionEvents(executionId: $executionId) { seq type payload at }
}`;

/** The child: SUBSCRIBERS graphql-ws clients, one socket and one subscription each, until the execution completes. */
async function subscribers(): Promise<void> {
  const { url, connectionParams, executionId } = await new Promise<ToSubscribers>((resolve) => process.once('message', resolve as never));
  const receipts: Record<string, number[]> = {};
  const errors: string[] = [];
  const clients: Client[] = [];
  let completed = 0;
  const allCompleted = deferred();
  for (let start = 0; start < SUBSCRIBERS; start += CONNECT_BATCH) {
    // A batch at a time, each live (its first stored event arrived) before the next connects.
    await Promise.all(
      Array.from({ length: Math.min(CONNECT_BATCH, SUBSCRIBERS - start) }, () => {
        const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false });
        clients.push(client);
        const live = deferred();
        let done = false;
        client.subscribe<{ executionEvents: Event }>(
          { query: Subscription, variables: { executionId } },
          {
            next: (result) => {
              const at = now();
              const event = result.data?.executionEvents;
              if (!event) return void errors.push(JSON.stringify(result.errors));
              for (const key of keysOf(event)) (receipts[key] ??= []).push(at);
              live.resolve();
              if (event.type === 'execution.completed' && !done) {
                done = true;
                if (++completed === SUBSCRIBERS) allCompleted.resolve();
              }
            },
            error: (error) => {
              errors.push(error instanceof Error ? error.message : JSON.stringify(error));
              live.resolve();
            },
            complete: () => {},
          },
        );
        return live.promise;
      }),
    );
  }
  process.send!({ ready: true } satisfies FromSubscribers);
  const cpuBefore = process.cpuUsage();
  await allCompleted.promise;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(clients.map((client) => client.dispose()));
  // The parent ends this process once it has the report.
  process.send!({ done: { receipts, errors, cpuMicros: cpu.user + cpu.system } } satisfies FromSubscribers);
}

type FromModel = { url: string } | { requested: true };

/** The model: the fake Anthropic API in its own process, holding its answer until the parent says go. */
async function model(): Promise<void> {
  const { FakeAnthropic } = await import('../test/support/fake-anthropic.ts');
  const fake = await new FakeAnthropic().start();
  const go = deferred();
  process.on('message', (message) => message === 'go' && go.resolve());
  const text = Array.from({ length: TOKENS }, (_, i) => `t${i}`).join(' ');
  fake.reply = () => {
    process.send!({ requested: true } satisfies FromModel);
    return { text, after: go.promise, deltaIntervalMs: INTERVAL_MS };
  };
  process.send!({ url: fake.url } satisfies FromModel);
}

/** Messages from a child process, one at a time; rejects if the child exits first. */
function messagesOf<T>(child: ChildProcess): () => Promise<T> {
  const queue: T[] = [];
  const waiting: ((message: T) => void)[] = [];
  child.on('message', (message: T) => (waiting.length > 0 ? waiting.shift()!(message) : queue.push(message)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`a bench process exited (${code})`))));
  exited.catch(() => {});
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : Promise.race([exited, new Promise<T>((resolve) => waiting.push(resolve))]));
}

async function main(): Promise<void> {
  // Imported here so the subscriber process loads only the client.
  const { buildApp } = await import('../src/app.ts');
  const { startEmbeddedPostgres } = await import('../src/store/embedded-postgres.ts');
  const { parseEnv } = await import('../src/env.ts');
  const { migrate } = await import('../src/store/migrate.ts');
  const { createTenant } = await import('../src/tenancy/tenants.ts');

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const memory = () => {
    gc();
    return process.memoryUsage();
  };

  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-live-'));
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(dataDir);
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  await migrate(databaseUrl);
  const fork_ = (role: string) => fork(fileURLToPath(import.meta.url), [role], { serialization: 'advanced', env: { ...process.env, BENCH_SUBSCRIBERS: String(SUBSCRIBERS), BENCH_TOKENS: String(TOKENS), BENCH_INTERVAL_MS: String(INTERVAL_MS) } });
  const modelProcess = fork_('--model');
  const fromModel = messagesOf<FromModel>(modelProcess);
  const modelUrl = ((await fromModel()) as { url: string }).url;
  const env = parseEnv({ PORT: '0', BATON_DATA_DIR: dataDir, BATON_RATE_LIMIT: '0', ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: modelUrl, ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
  const app = await buildApp({ env, databaseUrl, role: 'all' });
  const url = (await app.start())!;
  const child = fork_('--subscribers');
  const fromSubscribers = messagesOf<FromSubscribers>(child);
  try {
    const tenant = await createTenant(app.database.db, `bench ${Date.now()}`);
    const connectionParams = { authorization: `Bearer ${tenant.apiKey}`, 'x-tenant-id': tenant.tenantId };
    const graphql = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...connectionParams }, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: Record<string, { id?: string }>; errors?: unknown };
      const [result] = Object.values(body.data ?? {});
      if (!result?.id) throw new Error(JSON.stringify(body));
      return result.id;
    };
    const markdown = '# Live\n## Agents\n### Writer\nWrites.\nModel: Haiku\n## Steps\n### Write\nAgent: Writer\nWrite.\n';
    const workflowId = await graphql('mutation($markdown: String!) { createWorkflow(markdown: $markdown) { ... on Workflow { id } } }', { markdown });

    // Every event the engine publishes for the execution, stamped as it is published.
    const published = new Map<string, number>();
    const publish = app.pubsub.publish.bind(app.pubsub);
    app.pubsub.publish = ((event: string, key: string, payload: never) => {
      if (event === 'executionEvent') for (const key of keysOf(payload)) published.set(key, now());
      return publish(event as never, key, payload);
    }) as typeof app.pubsub.publish;

    // The model holds its answer until every subscriber is live.
    const executionId = await graphql('mutation($id: ID!) { runWorkflow(workflowId: $id) { ... on Execution { id } } }', { id: workflowId });
    await fromModel();
    const before = memory();

    const ready = fromSubscribers();
    child.send({ url: `${url.replace('http', 'ws')}/graphql`, connectionParams, executionId } satisfies ToSubscribers);
    const connectStarted = performance.now();
    console.error(`connecting ${SUBSCRIBERS} subscribers…`);
    await ready;
    const connectMs = performance.now() - connectStarted;
    const withSubscribers = memory();

    console.error(`streaming ${TOKENS} tokens…`);
    // BENCH_PROFILE=file.cpuprofile: the server's CPU profile of the streaming phase only.
    const profiler = process.env.BENCH_PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const finished = fromSubscribers();
    const streamStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    modelProcess.send('go');
    const result = await finished;
    const streamMs = performance.now() - streamStarted;
    const cpu = process.cpuUsage(cpuBefore);
    if (profiler) await writeFile(process.env.BENCH_PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile));
    if (!('done' in result)) throw new Error('unexpected message from the subscribers');
    const { receipts, errors, cpuMicros } = result.done;
    const peakRss = process.resourceUsage().maxRSS * 1024;

    // Deliveries of events published after the subscribers were live (the stored replay of earlier
    // ones is not a live delivery), split into token deltas and stored state changes.
    const tokens: number[] = [];
    const states: number[] = [];
    const tokenTimes: number[] = [];
    let expected = 0;
    for (const [key, at] of published) {
      if (at < streamStarted + performance.timeOrigin) continue;
      expected += SUBSCRIBERS;
      if (key.startsWith('token:')) tokenTimes.push(at);
      for (const received of receipts[key] ?? []) (key.startsWith('token:') ? tokens : states).push(received - at);
    }
    const stats = (values: number[]) => {
      const sorted = Float64Array.from(values).sort();
      return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
    };
    const rows: [string, string, string][] = [
      [`token delivery, ${SUBSCRIBERS} subscribers × ${TOKENS} tokens every ${INTERVAL_MS} ms`, stats(tokens), 'p99 ≤ 50 ms'],
      ['state-change delivery (step/execution events)', stats(states), 'p99 ≤ 50 ms'],
      ['deliveries', `${tokens.length + states.length} of ${expected}${errors.length ? `, ${errors.length} errors: ${errors[0]}` : ''}`, 'all'],
      ['tokens published per second', `${((tokenTimes.length - 1) / ((Math.max(...tokenTimes) - Math.min(...tokenTimes)) / 1000)).toFixed(1)} (paced for ${(1000 / INTERVAL_MS).toFixed(0)})`, ''],
      ['streaming wall time (first token → every subscriber saw the execution complete)', `${(streamMs / 1000).toFixed(2)} s`, ''],
      ['CPU while streaming: server, subscriber process', `${((cpu.user + cpu.system) / 1000 / streamMs * 100).toFixed(0)} %, ${(cpuMicros / 1000 / streamMs * 100).toFixed(0)} % of a core (server ${((cpu.user + cpu.system) / (tokens.length + states.length)).toFixed(0)} µs per event delivered)`, ''],
      [`connecting ${SUBSCRIBERS} subscribers (${CONNECT_BATCH} at a time)`, `${(connectMs / 1000).toFixed(2)} s`, ''],
      ['server RSS: before → with subscribers (after GC) → peak', `${mb(before.rss)} → ${mb(withSubscribers.rss)} → ${mb(peakRss)}`, ''],
      ['server heap used: before → with subscribers (after GC)', `${mb(before.heapUsed)} → ${mb(withSubscribers.heapUsed)} (${((withSubscribers.heapUsed - before.heapUsed) / SUBSCRIBERS / 1024).toFixed(0)} KB per subscriber)`, ''],
    ];
    console.log('| live benchmark | measured | target |');
    console.log('| --- | --- | --- |');
    for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
  } finally {
    child.kill();
    modelProcess.kill();
    await app.stop();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await (process.argv.includes('--subscribers') ? subscribers() : process.argv.includes('--model') ? model() : main());
