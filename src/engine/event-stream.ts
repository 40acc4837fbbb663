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

/** What a subscription delivers when Redis is back after an outage: read what was stored meanwhile. */
const RESUMED: unique symbol = Symbol('resumed');

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
    const start = await db.execution.findUnique({ where: { id: executionId }, select: { status: true, refineStatus: true, lastSeq: true } });
    if (!start) return;
    const end = new StreamEnd(start);
    let last = afterSeq;
    /** Yields stored events after `last` (and before `upTo`); returns true when the stream ended with one. */
    const stored = async function* (upTo?: number): AsyncGenerator<Event, boolean> {
      const rows = await db.executionEvent.findMany({
        where: { executionId, seq: { gt: last, ...(upTo === undefined ? {} : { lt: upTo }) } },
        orderBy: { seq: 'asc' },
      });
      for (const row of rows) {
        last = row.seq;
        yield { executionId, seq: row.seq, type: row.type, payload: row.payload as Record<string, unknown>, at: row.createdAt.toISOString() };
        if (end.delivered(row)) return true;
      }
      return false;
    };
    // A finished execution needs no live events: its stored ones are all there is.
    if (end.reached(last) || (yield* stored())) return;
    await live.ready;
    if (yield* stored()) return;
    for await (const event of live) {
      if (event === RESUMED) {
        if (yield* stored()) return;
        continue;
      }
      if (event.seq === null) {
        yield event;
        continue;
      }
      if (event.seq <= last) continue;
      if (event.seq > last + 1 && (yield* stored(event.seq))) return;
      last = event.seq;
      yield event;
      if (end.delivered({ seq: event.seq, type: event.type })) return;
    }
  } finally {
    await live.return?.();
  }
}
