import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const markdown = `# Four
## Agents
### Worker
Works.
Model: Haiku
## Steps
${['one', 'two', 'three', 'four'].map((s) => `### ${s}\nAgent: Worker\nDo ${s}.\n`).join('\n')}`;

const Events = graphql(`
  subscription StreamEvents($executionId: ID!, $afterSeq: Int) {
    executionEvents(executionId: $executionId, afterSeq: $afterSeq) { executionId seq type payload }
  }
`);
const EventTypes = graphql(`
  subscription StreamEventTypes($executionId: ID!) {
    executionEvents(executionId: $executionId) { type }
  }
`);
const Stored = graphql(`
  query StreamStored($id: ID!) {
    execution(id: $id) { events { seq type } }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
/** The model answers once this settles: a test that must see tokens live holds it until it watches. */
let watching: Promise<unknown> = Promise.resolve();
beforeAll(async () => {
  await fake.start();
  fake.reply = () => ({ text: 'alpha beta gamma', latencyMs: 30, after: watching });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function run(): Promise<string> {
  return startExecutionId(t, await createWorkflowId(t, markdown));
}

describe('executionEvents', () => {
  it('resumes after a dropped connection from the last seq, with no gap and no duplicate', async () => {
    // The first step may start before its run is answered: it answers once the subscriber is live.
    let live!: () => void;
    watching = new Promise<void>((resolve) => (live = resolve));
    const id = await run();
    const seen: { seq: number | null; type: string }[] = [];
    const first = t.wsClient();
    for await (const result of subscribe(first, Events, { executionId: id })) {
      const event = result.data!.executionEvents;
      live();
      seen.push({ seq: event.seq ?? null, type: event.type });
      if (event.type === 'step.completed' && (event.payload as { stepId: string }).stepId === 'two') break;
    }
    await first.dispose();
    const lastSeq = Math.max(...seen.flatMap((e) => (e.seq === null ? [] : [e.seq])));

    const second = t.wsClient();
    for await (const result of subscribe(second, Events, { executionId: id, afterSeq: lastSeq })) {
      const event = result.data!.executionEvents;
      seen.push({ seq: event.seq ?? null, type: event.type });
      if (event.type === 'execution.completed') break;
    }
    const stored = (await t.request(Stored, { id })).body.data!.execution!.events;
    const received = seen.filter((e) => e.seq !== null);
    expect(received).toEqual(stored.map((e) => ({ seq: e.seq, type: e.type })));
    expect(seen.some((e) => e.type === 'step.token')).toBe(true);
    watching = Promise.resolve();
  });

  it('replays everything stored when subscribing after the execution finished', async () => {
    const id = await run();
    const client = t.wsClient();
    const received: number[] = [];
    for await (const result of subscribe(client, Events, { executionId: id, afterSeq: 0 })) {
      const event = result.data!.executionEvents;
      if (event.seq !== null && event.seq !== undefined) received.push(event.seq);
      if (event.type === 'execution.completed') break;
    }
    const stored = (await t.request(Stored, { id })).body.data!.execution!.events;
    expect(received).toEqual(stored.map((e) => e.seq));
  });

  it('gives each subscriber the fields it selected, also when many watch the same execution live', async () => {
    const id = await run();
    const full = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 });
    const types = subscribe(t.wsClient(), EventTypes, { executionId: id });
    const same = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 });
    const until = async <R>(results: AsyncIterableIterator<R>, done: (result: R) => boolean) => {
      const seen: R[] = [];
      for await (const result of results) {
        seen.push(result);
        if (done(result)) break;
      }
      return seen;
    };
    type Full = { data?: { executionEvents: { type: string; seq?: number | null } } | null };
    const [a, b, c] = await Promise.all([
      until(full as AsyncIterableIterator<Full>, (r) => r.data?.executionEvents.type === 'execution.completed'),
      until(types, (r) => r.data?.executionEvents.type === 'execution.completed'),
      until(same as AsyncIterableIterator<Full>, (r) => r.data?.executionEvents.type === 'execution.completed'),
    ]);
    expect(b.every((r) => Object.keys(r.data!.executionEvents).join() === 'type')).toBe(true);
    expect(a.every((r) => 'seq' in r.data!.executionEvents && 'payload' in r.data!.executionEvents)).toBe(true);
    const stored = (s: Full[]) => s.map((r) => r.data!.executionEvents).filter((e) => e.seq != null);
    expect(stored(c)).toEqual(stored(a));
  });

  it('enforces the tenant of the connection', async () => {
    const id = await run();
    const other = await createTenant(t.app.database.db, 'other');
    const result = await subscribe(t.wsClient(credentialsOf(other)), Events, { executionId: id }).next();
    expect(result.value?.errors?.[0]).toMatchObject({ message: 'Execution not found' });
  });
});
