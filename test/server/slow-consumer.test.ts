import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_UNREAD } from '../../src/store/pubsub.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { watchExecutions } from '../support/executions.ts';

const Events = graphql(`
  subscription SlowEvents($executionId: ID!, $afterSeq: Int) {
    executionEvents(executionId: $executionId, afterSeq: $afterSeq) { seq type payload }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('a subscriber that stops reading', () => {
  it('is disconnected with a clear reason while the others keep receiving every event', async () => {
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, await createWorkflowId(t, '# Quick\n## Steps\n### Wait\nApproval: required\nLook.'));
    await watch.until(id, ['awaiting_approval']);
    await watch.stop();

    // The slow one: a raw graphql-ws connection whose socket stops reading once subscribed.
    const slow = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await once(slow, 'open');
    slow.send(JSON.stringify({ type: 'connection_init', payload: credentialsOf(t.tenant) }));
    await once(slow, 'message');
    const subscribed = () => once(t.app.pubsub.activity, 'subscribed');
    let ready = subscribed();
    slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($id: ID!) { executionEvents(executionId: $id, afterSeq: 1000000) { seq type payload } }', variables: { id } } }));
    await ready;
    (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    // A healthy one, reading everything.
    ready = subscribed();
    const healthy = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 1000000 });
    const received: number[] = [];
    const progress = new EventEmitter();
    const reading = (async () => {
      for await (const result of healthy) {
        const payload = result.data!.executionEvents.payload as { n: number; last?: boolean };
        received.push(payload.n);
        progress.emit('received');
        if (payload.last) break;
      }
    })();
    await ready;

    const gone = once(t.app.pubsub.activity, 'unsubscribed');
    let disconnected = false;
    void gone.then(() => (disconnected = true));
    // Publish at the pace of the healthy reader until the server gives up on the slow one (socket
    // buffers take some megabytes before its events start to wait unread).
    const text = 'x'.repeat(1024);
    const arrived = async (count: number) => {
      while (received.length < count) await once(progress, 'received');
    };
    let n = 0;
    for (; !disconnected && n < 100_000; n++) {
      await t.app.pubsub.publish('executionEvent', id, { executionId: id, seq: null, type: 'step.token', payload: { n, text }, at: new Date().toISOString() });
      await arrived(n + 1);
    }
    expect(disconnected).toBe(true);
    expect(n).toBeGreaterThan(MAX_UNREAD);
    await t.app.pubsub.publish('executionEvent', id, { executionId: id, seq: null, type: 'step.token', payload: { n, last: true }, at: new Date().toISOString() });

    const closed = once(slow, 'close');
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    const ended = new Promise<Record<string, unknown>>((resolve) =>
      slow.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; payload: unknown };
        if (message.type === 'error') resolve((message.payload as Record<string, unknown>[])[0]);
      }),
    );
    expect(await ended).toMatchObject({ message: 'Subscriber too slow', extensions: { code: 'SLOW_CONSUMER', detail: expect.stringContaining('resume') } });
    slow.close();
    await closed;

    await reading;
    expect(received).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
  });
});
