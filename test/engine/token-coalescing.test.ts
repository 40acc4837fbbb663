import { afterAll, describe, expect, it } from 'vitest';
import { mergeTokens } from '../../src/engine/event-stream.ts';
import type { Events } from '../../src/store/events.ts';
import { createPubSub, type Subscription } from '../../src/store/pubsub.ts';

type Event = Events['executionEvent'];
const pubsub = createPubSub(undefined);
afterAll(() => pubsub.close());

const at = '2026-02-27T10:30:00.000Z';
const token = (stepId: string, text: string, itemIndex = -1): Event => ({ executionId: 'exec_1', seq: null, type: 'step.token', payload: { stepId, itemIndex, text }, at });
const stored = (seq: number): Event => ({ executionId: 'exec_1', seq, type: 'step.completed', payload: { stepId: 'a', itemIndex: -1 }, at });
const read = async (subscription: Subscription<Event>, count: number) => {
  const events: Event[] = [];
  for (let i = 0; i < count; i++) events.push((await subscription.next()).value as Event);
  return events;
};

describe('a subscriber behind a fast token stream', () => {
  it('gets the unread deltas of one step as one, in order, never merged across steps, items or stored events', async () => {
    const behind = pubsub.subscribe('executionEvent', 'exec_1', { coalesce: mergeTokens });
    const plain = pubsub.subscribe('executionEvent', 'exec_1');
    await Promise.all([behind.ready, plain.ready]);
    const published = [token('a', 'one '), token('a', 'two '), token('a', 'three '), token('a', 'x', 0), stored(7), token('a', 'four '), token('b', 'b1 '), token('b', 'b2')];
    const copies = structuredClone(published);
    for (const event of published) await pubsub.publish('executionEvent', 'exec_1', event);

    expect(await read(behind, 5)).toEqual([token('a', 'one two three '), token('a', 'x', 0), stored(7), token('a', 'four '), token('b', 'b1 b2')]);
    // Without coalescing every event arrives as published, and merging changed none of them.
    expect(await read(plain, 8)).toEqual(copies);
    expect(published).toEqual(copies);

    // Once caught up, deltas arrive one by one again.
    const next = behind.next();
    await pubsub.publish('executionEvent', 'exec_1', token('b', 'b3'));
    expect((await next).value).toEqual(token('b', 'b3'));
    await Promise.all([behind.return?.(), plain.return?.()]);
  });
});
