import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const gated = `# Gated
## Agents
### Worker
Works.
Model: Haiku
## Steps
### One
Agent: Worker
Do one.
### Gate
Approval: required
Check it.
### Two
Agent: Worker
Do two.
`;

const Events = graphql(`
  subscription EndEvents($executionId: ID!, $afterSeq: Int) {
    executionEvents(executionId: $executionId, afterSeq: $afterSeq) { seq type payload }
  }
`);
const Stored = graphql(`
  query EndStored($id: ID!) {
    execution(id: $id) { events { seq type } }
  }
`);
const Approve = graphql(`
  mutation EndApprove($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) { __typename }
  }
`);
const Stop = graphql(`
  mutation EndStop($id: ID!) {
    stopExecution(id: $id) { __typename }
  }
`);
const Refine = graphql(`
  mutation EndRefine($id: ID!, $prompt: String!) {
    refineExecution(id: $id, prompt: $prompt) { __typename }
  }
`);

type Event = { seq: number | null; type: string; payload: unknown };
type Results = AsyncIterableIterator<ExecutionResult<{ executionEvents: Event }>>;

const eventOf = (result: ExecutionResult<{ executionEvents: Event }>): Event => {
  if (!result.data) throw new Error(`subscription error: ${JSON.stringify(result.errors)}`);
  return result.data.executionEvents;
};

/** Events up to and including the first that `stop` matches; fails if the subscription ends first. */
async function readUntil(events: Results, stop: (event: Event) => boolean): Promise<Event[]> {
  const seen: Event[] = [];
  for (;;) {
    const { done, value } = await events.next();
    if (done) throw new Error(`the subscription ended after ${seen.map((e) => e.type).join(', ')}`);
    seen.push(eventOf(value));
    if (stop(seen.at(-1)!)) return seen;
  }
}

/** Every event until the subscription completes (the test times out if it never does). */
async function readToEnd(events: Results): Promise<Event[]> {
  const seen: Event[] = [];
  for (;;) {
    const { done, value } = await events.next();
    if (done) return seen;
    seen.push(eventOf(value));
  }
}

const storedOnly = (events: Event[]) => events.filter((e) => e.seq !== null).map((e) => ({ seq: e.seq, type: e.type }));

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, gated);
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

const stored = async (id: string) => (await t.request(Stored, { id })).body.data!.execution!.events.map((e) => ({ seq: e.seq, type: e.type }));
const lastSeq = async (id: string) => Math.max(...(await stored(id)).map((e) => e.seq));

/** An execution waiting at its gate, and a subscription from its start that has seen it wait. */
async function awaitingGate(): Promise<{ id: string; events: Results; seen: Event[] }> {
  fake.reply = () => ({ text: 'done' });
  const id = await startExecutionId(t, workflowId);
  const events = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 }) as Results;
  const seen = await readUntil(events, (e) => e.type === 'step.awaiting_approval');
  return { id, events, seen };
}

async function completedExecution(): Promise<string> {
  const watch = await watchExecutions(t);
  fake.reply = () => ({ text: 'done' });
  const id = await startExecutionId(t, workflowId);
  await watch.until(id, ['awaiting_approval']);
  await t.request(Approve, { executionId: id, stepId: 'gate', approved: true, reason: 'Fine.' });
  await watch.until(id, ['completed']);
  await watch.stop();
  return id;
}

/** Resolves once `count` more subscriptions to the execution's events are listening. */
function listening(id: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    const listener = (topic: string) => {
      if (!topic.endsWith(id) || --left > 0) return;
      t.app.pubsub.activity.off('subscribed', listener);
      resolve();
    };
    t.app.pubsub.activity.on('subscribed', listener);
  });
}

describe('executionEvents ends', () => {
  it('right after the final event of an execution it watched finish', async () => {
    const { id, events, seen } = await awaitingGate();
    await t.request(Approve, { executionId: id, stepId: 'gate', approved: true, reason: 'Fine.' });
    seen.push(...(await readUntil(events, (e) => e.type === 'execution.completed')));
    expect(await events.next()).toEqual({ done: true, value: undefined });
    expect(storedOnly(seen)).toEqual(await stored(id));
  });

  it('after the replay when opened on a finished execution', async () => {
    const id = await completedExecution();
    const seen = await readToEnd(subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 }) as Results);
    expect(storedOnly(seen)).toEqual(await stored(id));
    expect(seen.at(-1)!.type).toBe('execution.completed');
  });

  it('at once when afterSeq is its last event', async () => {
    const id = await completedExecution();
    const events = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: await lastSeq(id) }) as Results;
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('after execution.stopped', async () => {
    const { id, events, seen } = await awaitingGate();
    await t.request(Stop, { id });
    seen.push(...(await readToEnd(events)));
    expect(seen.at(-1)!.type).toBe('execution.stopped');
    expect(storedOnly(seen)).toEqual(await stored(id));
  });

  it('after execution.failed', async () => {
    const { id, events, seen } = await awaitingGate();
    await t.request(Approve, { executionId: id, stepId: 'gate', approved: false, reason: 'Not good enough.' });
    seen.push(...(await readToEnd(events)));
    expect(seen.at(-1)).toMatchObject({ type: 'execution.failed', payload: { error: 'Step gate was rejected: Not good enough.' } });
    expect(storedOnly(seen)).toEqual(await stored(id));
  });

  it('after refine.completed when opened while a refinement runs, delivering its events', async () => {
    const id = await completedExecution();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'refined answer', after: held });
    await t.request(Refine, { id, prompt: 'Better.' });
    const started = await lastSeq(id);
    expect((await stored(id)).at(-1)!.type).toBe('refine.started');

    const both = listening(id, 2);
    const fromStart = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: started }) as Results;
    const replaying = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 }) as Results;
    const reading = [readToEnd(fromStart), readToEnd(replaying)];
    // Both listen while the model holds its answer: neither may end before the refinement does.
    await both;
    release();
    const [live, all] = await Promise.all(reading);
    expect(live.filter((e) => e.type === 'refine.token').map((e) => (e.payload as { text: string }).text).join('')).toBe('refined answer');
    expect(live.at(-1)).toMatchObject({ seq: started + 1, type: 'refine.completed', payload: { version: 2 } });
    expect(storedOnly(all)).toEqual(await stored(id));
    expect(all.at(-1)!.type).toBe('refine.completed');
  });

  it('after refine.failed', async () => {
    const id = await completedExecution();
    fake.reply = () => ({ error: { status: 400, type: 'invalid_request_error', message: 'no refinements today' } });
    await t.request(Refine, { id, prompt: 'Better.' });
    const afterStart = (await stored(id)).find((e) => e.type === 'refine.started')!.seq;
    const seen = await readToEnd(subscribe(t.wsClient(), Events, { executionId: id, afterSeq: afterStart }) as Results);
    expect(storedOnly(seen)).toEqual([{ seq: afterStart + 1, type: 'refine.failed' }]);
  });

  it('before a refinement requested after it ended: that one needs a new subscription', async () => {
    const id = await completedExecution();
    const events = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: await lastSeq(id) }) as Results;
    expect(await events.next()).toEqual({ done: true, value: undefined });
    fake.reply = () => ({ text: 'again' });
    await t.request(Refine, { id, prompt: 'Again.' });
    const seen = await readToEnd(subscribe(t.wsClient(), Events, { executionId: id, afterSeq: await lastSeq(id) - 1 }) as Results);
    expect(storedOnly(seen).at(-1)!.type).toBe('refine.completed');
  });

  it('after the replay of a finished execution while Redis is away, without waiting for it', async () => {
    const id = await completedExecution();
    // An API process whose Redis refuses connections: its live subscriptions wait for Redis to come back.
    const away = await startTestApp({ databaseUrl: t.databaseUrl, redisUrl: 'redis://127.0.0.1:1', role: 'api' });
    try {
      const seen = await readToEnd(subscribe(away.wsClient(credentialsOf(t.tenant)), Events, { executionId: id, afterSeq: 0 }) as Results);
      expect(storedOnly(seen)).toEqual(await stored(id));
    } finally {
      await away.stop();
    }
  });
});
