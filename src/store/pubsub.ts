import { EventEmitter } from 'node:events';
import { PubSub as InProcessPubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Events } from './events.ts';
import { BatonError } from '../errors.ts';

/** A live subscription: an async iterator whose `ready` resolves once the transport is listening. */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  ready: Promise<void>;
}

/** Typed publish/subscribe over one event map; a topic is an event name plus a key (e.g. a tenant id). */
export interface PubSub {
  readonly kind: 'in-process' | 'redis';
  publish<E extends keyof Events>(event: E, key: string, payload: Events[E]): Promise<void>;
  subscribe<E extends keyof Events>(event: E, key: string, options?: SubscribeOptions<Events[E]>): Subscription<Events[E]>;
  /** Emits `subscribed` and `unsubscribed` (topic) as subscriptions start and end: lets callers wait on them. */
  readonly activity: EventEmitter;
  /** Throws when the transport is down (for /healthz). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface SubscribeOptions<T> {
  /**
   * Merges an event into the last one still waiting unread, or returns undefined to queue it
   * separately: a subscriber that falls behind then catches up with fewer, larger messages instead
   * of falling further behind. Must not modify its arguments (they are shared by every subscriber).
   */
  coalesce?: (unread: T, next: T) => T | undefined;
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

function iterate<T>(engine: PubSubEngine, topic: string, activity: EventEmitter, { coalesce }: SubscribeOptions<T> = {}): Subscription<T> {
  // Each entry is one event, or several merged by `coalesce`; `unread` counts them all.
  const queue: { value: T; events: number }[] = [];
  let unread = 0;
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
        return;
      }
      if (unread >= MAX_UNREAD) {
        overflowed = true;
        queue.length = 0;
        void end();
        return;
      }
      unread++;
      const last = queue.at(-1);
      const merged = last && coalesce ? coalesce(last.value, payload) : undefined;
      if (last && merged !== undefined) {
        last.value = merged;
        last.events++;
      } else queue.push({ value: payload, events: 1 });
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
      const first = queue.shift();
      if (first) {
        unread -= first.events;
        return Promise.resolve({ value: first.value, done: false });
      }
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
    subscribe: (event, key, options) => iterate(engine, topicOf(event, key), activity, options),
    check,
    close,
  };
}

/** In-process by default; through Redis when a URL is given, so that every process sees every event. */
export function createPubSub(redisUrl: string | undefined): PubSub {
  if (!redisUrl) {
    // One listener per subscription: any number may watch one topic (one execution), so no limit.
    const emitter = new EventEmitter().setMaxListeners(0);
    return typed('in-process', new InProcessPubSub({ eventEmitter: emitter }), async () => {}, async () => {});
  }
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
