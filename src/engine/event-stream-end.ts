import { isLive } from './transaction.ts';

/** What one read of the execution row says; its status and refinement state are those of its `lastSeq`. */
export interface StreamStart {
  status: string;
  refineStatus: string | null;
  lastSeq: number;
}

/** The events that finish an execution (nothing but a refinement follows them). */
const FINISHING = new Set(['execution.completed', 'execution.failed', 'execution.stopped']);

/**
 * When an execution's event stream has nothing more to deliver: the execution has finished, no
 * refinement is running, and every stored event up to that point has been delivered.
 *
 * It starts from one read of the execution row and moves on with the events delivered after that
 * row's `lastSeq`. A status and its event commit in one transaction, so the row is exactly the state
 * its `lastSeq` reached: the read may happen at any moment and still agrees with the events.
 * A refinement that starts after the stream has ended is not part of it; a stream opened while one
 * runs (after `refine.started` was stored) lasts until its `refine.completed` or `refine.failed`.
 */
export class StreamEnd {
  private finished: boolean;
  private refining: boolean;
  private readonly upTo: number;

  constructor(start: StreamStart) {
    this.finished = !isLive(start.status);
    this.refining = start.refineStatus === 'refining';
    this.upTo = start.lastSeq;
  }

  /** Takes each delivered stored event, in seq order; true once the stream may end after it. */
  delivered(event: { seq: number; type: string }): boolean {
    if (event.seq > this.upTo) {
      if (FINISHING.has(event.type)) this.finished = true;
      else if (event.type === 'refine.started') this.refining = true;
      else if (event.type === 'refine.completed' || event.type === 'refine.failed') this.refining = false;
    }
    return this.reached(event.seq);
  }

  /** True when everything after `last` is beyond the stream's end. */
  reached(last: number): boolean {
    return this.finished && !this.refining && last >= this.upTo;
  }
}
