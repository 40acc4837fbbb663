import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.ts';
import { createTestDatabase } from '../support/database.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { baton, cleanEnv, type BatonProcess } from '../support/process.ts';
import { hasRedisServer, RedisServer } from '../support/redis-server.ts';
import { until } from '../support/until.ts';

const markdown = `# Two steps
## Agents
### Writer
Writes.
Model: Haiku
## Steps
### First
Agent: Writer
Write the first part.
### Second
Agent: Writer
Write the second part after {{steps.first.output}}.
`;

const CreateWorkflow = graphql(`
  mutation OutageCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) { __typename ... on Workflow { id } ... on Error { code detail } }
  }
`);
const RunWorkflow = graphql(`
  mutation OutageRunWorkflow($workflowId: ID!) {
    runWorkflow(workflowId: $workflowId) { __typename ... on Execution { id } ... on Error { code detail } }
  }
`);
const ExecutionStatus = graphql(`
  query OutageExecutionStatus($id: ID!) { execution(id: $id) { status } }
`);
const Workflows = graphql(`
  query OutageWorkflows { workflows(first: 1) { edges { node { id } } } }
`);
const Events = graphql(`
  subscription OutageEvents($executionId: ID!) { executionEvents(executionId: $executionId) { seq type } }
`);

/** A held answer: it starts once `after` settles, a few words stream, then the rest waits until `until` settles. */
const held = (until: Promise<unknown>, after?: Promise<unknown>) => () => ({ text: 'one two three four five six seven eight', after, pause: { afterDeltas: 2, until } });

/** A promise and what settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

interface Event {
  seq: number | null;
  type: string;
}

/** An API process and a worker process, each a real `baton serve`, on one database. */
async function startProcesses(env: NodeJS.ProcessEnv) {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-outage-'));
  const api = baton(['serve', '--role', 'api'], { ...env, BATON_DATA_DIR: dataDir, PORT: '0' });
  const [, url] = await api.waitFor(/GraphQL\s+(http:\/\/localhost:\d+)\/graphql/);
  const [, tenantId] = await api.waitFor(/Tenant id\s+(ten_\w+)/);
  const [, apiKey] = await api.waitFor(/API key\s+(bt_\S+)/);
  // Started once the API has created the tenant, so only one process does.
  const worker = baton(['serve', '--role', 'worker'], { ...env, BATON_DATA_DIR: dataDir });
  await worker.waitFor(/Baton is running \(role: worker\)/);
  const credentials = { authorization: `Bearer ${apiKey}`, 'x-tenant-id': tenantId };

  const request = async <R, V>(document: TypedDocumentNode<R, V>, variables?: V) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...credentials }, body: JSON.stringify({ query: print(document), variables }) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as ExecutionResult<R> };
  };
  const idOf = (member: { __typename: string; id?: string } | undefined) => {
    if (!member?.id) throw new Error(`refused: ${JSON.stringify(member)}`);
    return member.id;
  };
  const runs = {
    workflow: async () => idOf((await request(CreateWorkflow, { markdown })).body.data?.createWorkflow),
    start: async (workflowId: string) => idOf((await request(RunWorkflow, { workflowId })).body.data?.runWorkflow),
    statuses: (ids: string[]) => Promise.all(ids.map(async (id) => (await request(ExecutionStatus, { id })).body.data?.execution?.status)),
  };

  const clients: Client[] = [];
  /** An executionEvents subscription over WebSocket; `next` resolves with the first matching event not yet taken. */
  const subscribe = (executionId: string) => {
    const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: credentials, retryAttempts: 0 });
    clients.push(client);
    const events: Event[] = [];
    const arrived = new EventEmitter();
    let taken = 0;
    let completed = false;
    client.subscribe<ResultOf<typeof Events>>(
      { query: print(Events), variables: { executionId } },
      {
        next: (result) => (events.push({ seq: result.data!.executionEvents.seq ?? null, type: result.data!.executionEvents.type }), arrived.emit('event')),
        error: (error) => arrived.emit('error', error),
        complete: () => ((completed = true), arrived.emit('event')),
      },
    );
    return {
      events,
      async next(matches: (event: Event) => boolean): Promise<Event> {
        for (;;) {
          const index = events.findIndex((event, i) => i >= taken && matches(event));
          if (index >= 0) {
            taken = index + 1;
            return events[index];
          }
          if (completed) throw new Error(`the subscription completed without the awaited event; it delivered ${JSON.stringify(events)}`);
          await once(arrived, 'event');
        }
      },
    };
  };

  const alive = (process: BatonProcess) => process.child.exitCode === null && process.child.signalCode === null;
  return {
    api,
    worker,
    url,
    credentials,
    request,
    runs,
    subscribe,
    health: async () => {
      const response = await fetch(`${url}/healthz`);
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    },
    bothAlive: () => alive(api) && alive(worker),
    async stop() {
      await Promise.all(clients.map((client) => client.dispose()));
      for (const process of [worker, api]) {
        if (!alive(process)) continue;
        process.child.kill('SIGTERM');
        await process.exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Processes = Awaited<ReturnType<typeof startProcesses>>;

const fake = new FakeAnthropic();
const cleanups: (() => Promise<void>)[] = [];
const modelEnv = () => ({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url });
const showOutputOnFailure = (processes: Processes) =>
  onTestFailed(() => console.error(`--- api ---\n${processes.api.output()}\n--- worker ---\n${processes.worker.output()}`));

beforeAll(async () => {
  await fake.start();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await fake.close();
});

// Its own redis-server, never the machine's (other tests share that one).
describe.skipIf(!hasRedisServer)('a Redis outage', () => {
  it('the worker runs on, executions complete, /healthz names pub/sub; when Redis is back fan-out resumes and missed events come from storage', { timeout: 120_000 }, async () => {
    const redis = await RedisServer.start();
    cleanups.push(() => redis.kill());
    const p = await startProcesses(cleanEnv({ DATABASE_URL: await createTestDatabase(), REDIS_URL: redis.url, ...modelEnv() }));
    cleanups.push(() => p.stop());
    showOutputOnFailure(p);

    const observer = new Redis(redis.url, { lazyConnect: true }).on('error', () => {});
    cleanups.push(async () => void observer.disconnect());
    const subscribers = async (executionId: string) => ((await observer.call('PUBSUB', 'NUMSUB', `baton:executionEvent:${executionId}`)) as [string, number])[1];

    const subscribed = gate();
    const released = gate();
    fake.requests.length = 0;
    fake.reply = held(released.opened, subscribed.opened);
    const workflowId = await p.runs.workflow();
    const ids = [await p.runs.start(workflowId), await p.runs.start(workflowId), await p.runs.start(workflowId)];
    // Connected before the outage and through it; the answers start once it listens.
    const through = p.subscribe(ids[0]);
    await until(async () => (await subscribers(ids[0])) === 1, { what: 'the subscription reached Redis' });
    subscribed.open();
    await fake.request(ids.length);
    await through.next((event) => event.type === 'step.token');

    await redis.kill();
    const down = await until(async () => {
      const health = await p.health();
      return health.status === 503 && health;
    }, { what: '/healthz answering 503' });
    expect(down.body).toMatchObject({ status: 'unavailable', database: 'ok', pubsub: expect.stringMatching(/^error: /) });
    // Started while Redis is away: no wake-up reaches the worker, which finds the job by polling.
    ids.push(await p.runs.start(workflowId));
    // The held answers stream on while the token events cannot be published.
    released.open();
    await until(async () => (await p.runs.statuses(ids)).every((status) => status === 'COMPLETED'), { timeoutMs: 60_000, what: 'every execution completed' });
    expect(p.bothAlive()).toBe(true);
    // One line per outage, however often ioredis retried meanwhile.
    expect(p.worker.output().match(/redis publisher: .*reconnecting/g)).toHaveLength(1);
    const seen = through.events.length;

    await redis.restart();
    // The subscriber connected through the outage gets what it missed, from storage, in order.
    await through.next((event) => event.type === 'execution.completed');
    expect(through.events.length).toBeGreaterThan(seen);
    const stored = through.events.filter((event) => event.seq !== null).map((event) => event.seq);
    expect(stored).toEqual(stored.map((_, i) => i + 1));

    // Live fan-out again: a new execution's tokens (never stored) reach a new subscriber, once both
    // processes are connected again (pub/sub clients of each, and this test's).
    await until(async () => String(await observer.call('CLIENT', 'LIST')).trim().split('\n').length >= 5, { what: 'the processes reconnected to Redis' });
    const releasedAgain = gate();
    fake.reply = held(releasedAgain.opened);
    const requests = fake.requests.length;
    const id = await p.runs.start(workflowId);
    const after = p.subscribe(id);
    await until(async () => (await subscribers(id)) === 1, { what: 'the subscription reached Redis' });
    await fake.request(requests + 1);
    releasedAgain.open();
    await after.next((event) => event.type === 'step.token');
    await after.next((event) => event.type === 'execution.completed');
    expect(p.bothAlive()).toBe(true);
  });

});

// Its own embedded PostgreSQL: the suite's server is shared by every test file.
describe('a PostgreSQL outage', () => {
  it('the API answers 503 with Retry-After and /healthz names the database; once it is back requests succeed and executions complete', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-outage-pg-'));
    let postgres = await startEmbeddedPostgres(dataDir);
    cleanups.push(async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    const port = Number(new URL(postgres.url).port);
    // In-process pub/sub: the worker process polls, so only PostgreSQL is in play.
    const p = await startProcesses(cleanEnv({ DATABASE_URL: postgres.url, ...modelEnv() }));
    cleanups.push(() => p.stop());
    showOutputOnFailure(p);

    const released = gate();
    fake.requests.length = 0;
    fake.reply = held(released.opened);
    const workflowId = await p.runs.workflow();
    const ids = [await p.runs.start(workflowId), await p.runs.start(workflowId), await p.runs.start(workflowId)];
    await fake.request(ids.length);

    await postgres.stop();
    const rest = await fetch(`${p.url}/workflows`, { headers: p.credentials });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('5');
    expect(await rest.json()).toMatchObject({ error: 'Service unavailable' });
    const graphql = await p.request(Workflows);
    expect(graphql.status).toBe(503);
    expect(graphql.headers.get('retry-after')).toBe('5');
    expect(graphql.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    const health = await p.health();
    expect(health.status).toBe(503);
    expect(health.body.database).toMatch(/^error: /);
    // The held answers end while their steps cannot be recorded: those steps run again later.
    released.open();

    postgres = await startEmbeddedPostgres(dataDir, { port });
    await until(async () => (await fetch(`${p.url}/workflows`, { headers: p.credentials })).status === 200, { what: 'GET /workflows answering 200' });
    await until(async () => (await p.runs.statuses(ids)).every((status) => status === 'COMPLETED'), { timeoutMs: 90_000, what: 'every execution completed' });
    expect(p.bothAlive()).toBe(true);
  });
});
