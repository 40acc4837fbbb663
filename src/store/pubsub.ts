import { EventEmitter } from 'node:events';
import { PubSub as InProcessPubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis, type RedisOptions } from 'ioredis';
import type { Events } from './events.ts';
import { BatonError } from '../errors.ts';

/** A live subscription: an async iterator whose `ready` resolves once the transport is listening. */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  ready: Promise<void>;
  /**
   * Takes, without waiting, the events that arrived and are still unread (markers are dropped); with
   * `which`, only those it picks, leaving the others queued in their order.
   */
  takeUnread(which?: (event: T) => boolean): T[];
}

/** Typed publish/subscribe over one event map; a topic is an event name plus a key (e.g. a tenant id). */
export interface PubSub {
  readonly kind: 'in-process' | 'redis';
  /**
   * Best effort: never rejects. Whatever must not be lost is stored before it is published, so a
   * transport that is down (Redis away) drops the event and logs that once per outage.
   */
  publish<E extends keyof Events>(event: E, key: string, payload: Events[E]): Promise<void>;
  subscribe<E extends keyof Events, R = never>(event: E, key: string, options?: SubscribeOptions<Events[E], R>): Subscription<Events[E] | R>;
  /**
   * Emits `subscribed` and `unsubscribed` (topic) as subscriptions start and end, and `resumed` when
   * the transport is listening again after an outage: lets callers wait on them.
   */
  readonly activity: EventEmitter;
  /** Throws when the transport is down (for /healthz). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface SubscribeOptions<T, R = never> {
  /**
   * Merges an event into the last one still waiting unread, or returns undefined to queue it
   * separately: a subscriber that falls behind then catches up with fewer, larger messages instead
   * of falling further behind. Must not modify its arguments (they are shared by every subscriber).
   */
  coalesce?: (unread: T, next: T) => T | undefined;
  /**
   * Delivered in order, as a marker, when the transport is listening again after losing its
   * connection: whatever was published meanwhile never arrived, so the subscriber can read it from
   * storage. Only Redis loses connections; in-process subscriptions never see it.
   */
  resumed?: R;
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

function iterate<T, R>(engine: PubSubEngine, topic: string, activity: EventEmitter, { coalesce, ...options }: SubscribeOptions<T, R> = {}): Subscription<T | R> {
  // Each entry is one event, or several merged by `coalesce`, or the `resumed` marker (counted as
  // no event, never merged); `unread` counts the events.
  const queue: ({ value: T; events: number } | { marker: R })[] = [];
  let unread = 0;
  let waiting: ((result: IteratorResult<T | R>) => void) | undefined;
  let finished = false;
  let overflowed = false;
  const onResumed = () => {
    if (finished) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: options.resumed as R, done: false });
    } else if (!queue.some((entry) => 'marker' in entry)) queue.push({ marker: options.resumed as R });
  };
  if ('resumed' in options) activity.on('resumed', onResumed);
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
      const merged = last && 'value' in last && coalesce ? coalesce(last.value, payload) : undefined;
      if (last && 'value' in last && merged !== undefined) {
        last.value = merged;
        last.events++;
      } else queue.push({ value: payload, events: 1 });
    },
    {},
  );
  const end = async (): Promise<IteratorResult<T>> => {
    if (!finished) {
      finished = true;
      activity.off('resumed', onResumed);
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
      if (first && 'marker' in first) return Promise.resolve({ value: first.marker, done: false });
      if (first) {
        unread -= first.events;
        return Promise.resolve({ value: first.value, done: false });
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    takeUnread: (which) => {
      const taken: T[] = [];
      const kept = queue.filter((entry) => {
        // All taken: a marker goes too; some taken: it stays, in its place.
        if (!('value' in entry)) return which !== undefined;
        if (which && !which(entry.value)) return true;
        taken.push(entry.value);
        unread -= entry.events;
        return false;
      });
      queue.splice(0, queue.length, ...kept);
      return taken;
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

function typed(kind: PubSub['kind'], engine: PubSubEngine, { activity = new EventEmitter(), check = async () => {}, close = async () => {}, failed = (_: Error) => {} } = {}): PubSub {
  // One listener per subscription that wants `resumed`.
  activity.setMaxListeners(0);
  return {
    kind,
    activity,
    publish: (event, key, payload) => engine.publish(topicOf(event, key), payload).catch(failed),
    subscribe: (event, key, options) => iterate(engine, topicOf(event, key), activity, options),
    check,
    close,
  };
}

/**
 * An ioredis client that says once that its connection is lost and once that it is back: ioredis
 * reconnects by itself and reports every failed attempt (every 2 s at most), which would flood the log.
 */
function connection(url: string, role: string, options: RedisOptions) {
  const client = new Redis(url, options);
  let problem: string | undefined;
  // The connection's latest error is kept (for /healthz); a failed command only says it is down.
  const report = (error: Error, connectionError = false) => {
    const first = problem === undefined;
    if (first || connectionError) problem = error.message;
    if (first) console.error(`redis ${role}: ${problem}; reconnecting (meanwhile events reach other processes only from storage, and workers poll)`);
  };
  client.on('error', (error) => report(error, true));
  client.on('ready', () => {
    if (problem === undefined) return;
    problem = undefined;
    console.error(`redis ${role}: connected again`);
  });
  return { client, report, problem: () => problem };
}

/** In-process by default; through Redis when a URL is given, so that every process sees every event. */
export function createPubSub(redisUrl: string | undefined): PubSub {
  if (!redisUrl) {
    // One listener per subscription: any number may watch one topic (one execution), so no limit.
    const emitter = new EventEmitter().setMaxListeners(0);
    return typed('in-process', new InProcessPubSub({ eventEmitter: emitter }));
  }
  // Redis is optional at run time. Publishing fails at once while it is away (no offline queue: it is
  // best effort, events are stored); subscribing waits for it to come back instead of failing, so no
  // listener is lost to an outage (ioredis subscribes again on reconnecting).
  const publisher = connection(redisUrl, 'publisher', { maxRetriesPerRequest: 2, enableOfflineQueue: false });
  const subscriber = connection(redisUrl, 'subscriber', { maxRetriesPerRequest: null });
  // graphql-redis-subscriptions sends UNSUBSCRIBE and PUNSUBSCRIBE without handling their promises;
  // while Redis is away they wait in the offline queue, and closing rejects them ("Connection is
  // closed."), which would surface as unhandled rejections. Nothing is left to undo by then.
  for (const command of ['unsubscribe', 'punsubscribe'] as const) {
    const send = subscriber.client[command].bind(subscriber.client) as (...args: unknown[]) => Promise<unknown>;
    (subscriber.client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const sent = send(...args);
      sent.catch(() => {});
      return sent;
    };
  }
  const engine = new RedisPubSub({ publisher: publisher.client, subscriber: subscriber.client });
  // Likewise, a SUBSCRIBE that fails (Redis closed while it waited) also rejects an internal promise
  // kept for later subscribers of the same topic; with none, nothing handles it. Our own caller
  // handles the failure (iterate's `ready`).
  const pendingSubscribes = (engine as unknown as { subsPendingRefsMap: Map<string, { pending: { catch(onRejected: () => void): unknown } }> }).subsPendingRefsMap;
  const remember = pendingSubscribes.set.bind(pendingSubscribes);
  pendingSubscribes.set = (topic, pending) => {
    pending.pending.catch(() => {});
    return remember(topic, pending);
  };
  const activity = new EventEmitter();
  let lost = false;
  subscriber.client.on('close', () => (lost = true));
  subscriber.client.on('ready', () => {
    if (!lost) return;
    lost = false;
    // Redis answers in order: once this ping is answered, the subscriptions ioredis sent again on
    // reconnecting are in place, so nothing published from now on is missed.
    subscriber.client.ping().then(
      () => activity.emit('resumed'),
      () => {},
    );
  });
  return typed('redis', engine, {
    activity,
    failed: (error) => publisher.report(new Error(`cannot publish (${error.message})`)),
    check: async () => {
      for (const { client, problem } of [publisher, subscriber]) if (client.status !== 'ready') throw new Error(`Redis ${problem() ?? client.status}`);
      await publisher.client.ping();
    },
    // Publishes were awaited where they happened; nothing is pending that a disconnect would lose.
    close: async () => {
      publisher.client.disconnect();
      subscriber.client.disconnect();
    },
  });
}
