import { EventEmitter } from 'node:events';
import { PubSub as InProcessPubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Events } from './events.ts';
import { BatonError } from './errors.ts';

/** A live subscription: an async iterator whose `ready` resolves once the transport is listening. */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  ready: Promise<void>;
}

/** Typed publish/subscribe over one event map; a topic is an event name plus a key (e.g. a tenant id). */
export interface PubSub {
  readonly kind: 'in-process' | 'redis';
  publish<E extends keyof Events>(event: E, key: string, payload: Events[E]): Promise<void>;
  subscribe<E extends keyof Events>(event: E, key: string): Subscription<Events[E]>;
  /** Emits `subscribed` and `unsubscribed` (topic) as subscriptions start and end: lets callers wait on them. */
  readonly activity: EventEmitter;
  /** Throws when the transport is down (for /healthz). */
  check(): Promise<void>;
  close(): Promise<void>;
}

const topicOf = (event: string, key: string) => `baton:${event}:${key}`;

/**
 * A subscriber that leaves this many events unread is not keeping up: its subscription ends with
 * SlowConsumerError instead of buffering without end, so it slows neither the publishers nor the
 * other subscribers. It can subscribe again (with `afterSeq`, for execution events).
 */
export const MAX_UNREAD = 5000;

export class SlowConsumerError extends BatonError {
  readonly code = 'SLOW_CONSUMER';
  readonly status = 429;
  constructor() {
    super('Subscriber too slow', `More than ${MAX_UNREAD} events were waiting unread, so this subscription ended; subscribe again (with afterSeq) to resume`);
  }
}

function iterate<T>(engine: PubSubEngine, topic: string, activity: EventEmitter): Subscription<T> {
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let finished = false;
  let overflowed = false;
  const id = engine.subscribe(
    topic,
    (payload: T) => {
      if (finished) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: payload, done: false });
      } else if (queue.length >= MAX_UNREAD) {
        overflowed = true;
        queue.length = 0;
        void end();
      } else queue.push(payload);
    },
    {},
  );
  const end = async (): Promise<IteratorResult<T>> => {
    if (!finished) {
      finished = true;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      // Not awaited: a subscription still waiting for its transport is dropped once it starts.
      id.then((subscription) => engine.unsubscribe(subscription)).catch(() => {});
      activity.emit('unsubscribed', topic);
    }
    return { value: undefined, done: true };
  };
  const ready = id.then(() => void activity.emit('subscribed', topic));
  // A transport that cannot subscribe (Redis down) ends the iteration instead of hanging it; callers
  // that care await `ready` and see the error.
  ready.catch(() => void end());
  return {
    ready,
    next: () => {
      if (overflowed) return Promise.reject(new SlowConsumerError());
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: end,
    throw: async (error) => {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function typed(kind: PubSub['kind'], engine: PubSubEngine, check: () => Promise<void>, close: () => Promise<void>): PubSub {
  const activity = new EventEmitter();
  return {
    kind,
    activity,
    publish: (event, key, payload) => engine.publish(topicOf(event, key), payload),
    subscribe: (event, key) => iterate(engine, topicOf(event, key), activity),
    check,
    close,
  };
}

/** In-process by default; through Redis when a URL is given, so that every process sees every event. */
export function createPubSub(redisUrl: string | undefined): PubSub {
  if (!redisUrl) return typed('in-process', new InProcessPubSub(), async () => {}, async () => {});
  // Publishing fails fast while Redis is away (it is best effort, events are stored); subscribing
  // waits for Redis to come back instead of failing, so no listener is lost to a blip.
  const connect = (role: string, maxRetriesPerRequest: number | null) => {
    const client = new Redis(redisUrl, { maxRetriesPerRequest });
    client.on('error', (error) => console.error(`redis ${role}:`, error.message));
    return client;
  };
  const publisher = connect('publisher', 2);
  const subscriber = connect('subscriber', null);
  const engine = new RedisPubSub({ publisher, subscriber });
  return typed(
    'redis',
    engine,
    async () => void (await publisher.ping()),
    // Publishes were awaited where they happened; nothing is pending that a disconnect would lose.
    async () => {
      publisher.disconnect();
      subscriber.disconnect();
    },
  );
}
