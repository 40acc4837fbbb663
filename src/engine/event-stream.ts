import type { Db } from '../store/db.ts';
import type { Events } from '../store/events.ts';
import type { PubSub } from '../store/pubsub.ts';
import { StreamEnd } from './event-stream-end.ts';

type Event = Events['executionEvent'];

/**
 * Consecutive unread token deltas of one step (or item) travel as one delta: a subscriber that falls
 * behind a fast stream gets the same text in fewer messages. Stored events are never merged.
 */
export function mergeTokens(unread: Event, next: Event): Event | undefined {
  if (unread.type !== 'step.token' || next.type !== 'step.token') return undefined;
  if (unread.payload.stepId !== next.payload.stepId || unread.payload.itemIndex !== next.payload.itemIndex) return undefined;
  return { ...unread, payload: { ...unread.payload, text: String(unread.payload.text) + String(next.payload.text) } };
}

/** Stored events after which a step (or item) streams no more tokens in its attempt. */
const STEP_ENDS = new Set(['step.completed', 'step.failed', 'step.retrying', 'step.awaiting_approval']);

/** What a subscription delivers when Redis is back after an outage: read what was stored meanwhile. */
const RESUMED: unique symbol = Symbol('resumed');
const LISTENING: unique symbol = Symbol('listening');

/**
 * An execution's events from `afterSeq` on: first the stored ones, then live ones, with no gap and
 * no duplicate even when events arrive while the stored ones are read. Live listening starts before
 * the read, newer stored events fill any gap a live event reveals, and anything already sent is
 * skipped. Token deltas (no seq) are live only; unread ones of the same step are merged.
 *
 * It ends once the execution has finished, no refinement runs and every stored event up to then
 * has been delivered (`StreamEnd`): at once, after the replay, for one that had already finished.
 *
 * When the transport is away (Redis down), stored events are read at once, and again when it is
 * listening (again): nothing published meanwhile arrived, and nothing more may be (the execution
 * may have ended during the outage).
 */
export async function* executionEvents(db: Db, pubsub: PubSub, executionId: string, afterSeq: number): AsyncGenerator<Event> {
  const live = pubsub.subscribe<'executionEvent', typeof RESUMED>('executionEvent', executionId, { coalesce: mergeTokens, resumed: RESUMED });
  try {
    let last = afterSeq;
    const read = (upTo?: number) =>
      db.executionEvent.findMany({
        where: { executionId, seq: { gt: last, ...(upTo === undefined ? {} : { lt: upTo }) } },
        orderBy: { seq: 'asc' },
      });
    let listening = false;
    void live.ready.then(() => (listening = true), () => {});
    const state = () => db.execution.findUnique({ where: { id: executionId }, select: { status: true, refineStatus: true, lastSeq: true } }).then((row) => row && new StreamEnd(row));
    const first = await read();
    const toEvent = (row: (typeof first)[number]): Event => ({ executionId, seq: row.seq, type: row.type as Event['type'], payload: row.payload as Record<string, unknown>, at: row.createdAt.toISOString() });
    for (const row of first) {
      last = row.seq;
      yield toEvent(row);
    }
    // The execution row is read after these events, so its state covers them (see StreamEnd), and
    // after the read that follows listening has been sent: the later that read, the more stored
    // events it returns ahead of token deltas already queued live. While the transport is not
    // listening yet (Redis away), it is read now: a finished execution ends without waiting for it.
    let start: Promise<StreamEnd | null> | undefined;
    if (!listening) {
      start = state();
      start.catch(() => {});
      const early = await Promise.race([start, live.ready.then(() => LISTENING)]);
      if (early === null || (early instanceof StreamEnd && early.reached(last))) return;
    }
    await live.ready;
    const second = read();
    second.catch(() => {});
    const end = await (start ?? state());
    if (!end) return;
    /**
     * Yields stored events; returns true when the stream ended with one. Token deltas that arrived
     * live while the stored events were read were streamed before the events that end their step
     * (and before the last one): they precede them.
     */
    const deliver = async function* (rows: typeof first): AsyncGenerator<Event, boolean> {
      for (const row of rows) {
        last = row.seq;
        const ends = end.delivered(row);
        const payload = row.payload as Record<string, unknown>;
        const closes = STEP_ENDS.has(row.type);
        if (ends || closes) {
          const before = live.takeUnread((event) => event !== RESUMED && event.seq === null && (ends || (event.payload.stepId === payload.stepId && (event.payload.itemIndex ?? -1) === (payload.itemIndex ?? -1))));
          for (const event of before) if (event !== RESUMED) yield event;
        }
        yield toEvent(row);
        if (ends) return true;
      }
      return false;
    };
    if ((yield* deliver(await second)) || end.reached(last)) return;
    for await (const event of live) {
      if (event === RESUMED) {
        if (yield* deliver(await read())) return;
        continue;
      }
      if (event.seq === null) {
        yield event;
        continue;
      }
      if (event.seq <= last) continue;
      if (event.seq > last + 1 && (yield* deliver(await read(event.seq)))) return;
      last = event.seq;
      yield event;
      if (end.delivered({ seq: event.seq, type: event.type })) return;
    }
  } finally {
    await live.return?.();
  }
}
