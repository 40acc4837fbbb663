import type { Boss } from '../store/boss.ts';
import { WorkerStopping } from '../engine/in-flight.ts';
import { failureLog } from './failure-log.ts';
import { inJobSpan } from './job-span.ts';

export interface Dispatcher {
  /** Fetch now: jobs were just enqueued (here or in another process). */
  wake(): void;
  /** Fetch in `delayMs`: a job was enqueued to start then. */
  wakeAfter(delayMs: number): void;
  /** Stops fetching and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
}

/** Polling is only the backstop. */
const POLL_MS = 1000;
/**
 * A delayed job is due `delayMs` after its transaction began (the queue's clock is the database's);
 * the wake-up, sent after the commit, is later still. This margin covers the two clocks' reading of
 * the same moment.
 */
const DUE_MARGIN_MS = 5;

/**
 * Runs jobs of one queue, up to `concurrency` at once, and no more than `room()` says the worker can
 * take. It fetches as soon as it is woken — by an enqueue in this process or, through pub/sub, in
 * another (a delayed job's when it is due), or when room frees up — so a job never waits for a
 * polling interval.
 */
export function startDispatcher(
  boss: Boss,
  queue: string,
  concurrency: number,
  handle: (data: object) => Promise<void>,
  { room = () => Infinity, pollMs = POLL_MS }: { room?: () => number; pollMs?: number } = {},
): Dispatcher {
  let running = true;
  let active = 0;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const fetching = failureLog(`${queue}: fetching jobs`);
  const fetch = (batchSize: number) =>
    boss.fetch<object>(queue, { batchSize }).then(
      (jobs) => (fetching.succeeded(), jobs),
      (error: Error) => (fetching.failed(error), []),
    );
  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const loop = async () => {
    while (running) {
      woken = false;
      const free = Math.min(concurrency - active, room());
      const jobs = free > 0 ? await fetch(free) : [];
      for (const job of jobs) {
        active++;
        // Completing or failing a job that expired meanwhile fails harmlessly: its step is
        // recorded in the engine's tables, and the redelivered job finds nothing to do.
        const done = inJobSpan(queue, job, () => handle(job.data))
          .then(() => boss.complete(queue, job.id).catch(() => {}))
          .catch(async (error: Error) => {
            // A job cut short by this worker's stop runs again, and a `quiet` failure is expected
            // (a webhook receiver answering 500): no stack for those.
            console.error(`${queue} job ${job.id} failed:`, error instanceof WorkerStopping || (error as { quiet?: boolean }).quiet ? error.message : error);
            await boss.fail(queue, job.id, { message: error.message }).catch(() => {});
          })
          .finally(() => {
            active--;
            inFlight.delete(done);
            wake();
          });
        inFlight.add(done);
      }
      if (jobs.length > 0 && jobs.length === free) continue;
      if (woken || !running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  };
  const looping = loop();

  return {
    wake,
    wakeAfter(delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        wake();
      }, delayMs + DUE_MARGIN_MS);
      timers.add(timer);
    },
    async stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      wakeUp?.();
      await looping;
      await Promise.allSettled([...inFlight]);
    },
  };
}
