import { executionEvents } from '../engine/event-stream.ts';
import type { Db } from '../store/db.ts';
import type { PubSub } from '../store/pubsub.ts';

/** Why a wait ended: the execution finished or waits for a person, the time ran out, or the caller gave up. */
export type WaitEnd = 'settled' | 'timeout' | 'aborted' | 'shutdown';

export interface WaitOptions {
  /** Store sequence number to follow events from (0: from its start). */
  afterSeq: number;
  maxWaitMs: number;
  signal: AbortSignal;
  /** Aborted when the server stops: the wait ends, and the caller can still answer. */
  shutdown: AbortSignal;
  /** Called whenever the number of finished steps grows. */
  onProgress?: (finished: number) => Promise<void> | void;
}

/** Events after which the execution needs nothing more from this wait: finished, or waiting for a person. */
const SETTLING = new Set(['execution.completed', 'execution.failed', 'execution.stopped', 'execution.awaiting_approval']);

/** Events that finish one step (or skip it); For each items (itemIndex ≥ 0) are part of their step. */
const FINISHING_STEP = new Set(['step.completed', 'step.skipped', 'step.failed', 'step.approved']);

const isWholeStep = (payload: Record<string, unknown>) => typeof payload.itemIndex !== 'number' || payload.itemIndex < 0;

/**
 * Follows an execution's events until it has finished or waits for an approval, counting finished
 * steps as they come. Holds no transaction and stops at once on timeout or abort; the execution
 * itself goes on either way.
 */
export async function waitForExecution(deps: { db: Db; pubsub: PubSub }, executionId: string, options: WaitOptions): Promise<WaitEnd> {
  const events = executionEvents(deps.db, deps.pubsub, executionId, options.afterSeq);
  let timer: NodeJS.Timeout | undefined;
  const listeners: [AbortSignal, () => void][] = [];
  const interrupted = new Promise<WaitEnd>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.maxWaitMs);
    for (const [signal, end] of [[options.signal, 'aborted'], [options.shutdown, 'shutdown']] as const) {
      const listener = () => resolve(end);
      if (signal.aborted) listener();
      signal.addEventListener('abort', listener, { once: true });
      listeners.push([signal, listener]);
    }
  });
  const finished = new Set<string>();
  try {
    for (;;) {
      const next = events.next();
      // Lost races must not surface as unhandled rejections (a subscription may end with an error later).
      next.catch(() => {});
      const result = await Promise.race([next, interrupted]);
      if (typeof result === 'string') return result;
      if (result.done) return 'settled';
      const event = result.value;
      if (SETTLING.has(event.type)) return 'settled';
      if (FINISHING_STEP.has(event.type) && isWholeStep(event.payload)) {
        const before = finished.size;
        finished.add(String(event.payload.stepId));
        if (finished.size > before) await options.onProgress?.(finished.size);
      }
    }
  } finally {
    clearTimeout(timer);
    for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
    // Ends the subscription now when the stream sits at an event, else as soon as its next one arrives.
    void events.return(undefined).catch(() => {});
  }
}
