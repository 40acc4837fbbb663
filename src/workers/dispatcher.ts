import type { Boss } from '../store/boss.ts';
import { WorkerStopping } from '../engine/in-flight.ts';
import { failureLog } from './failure-log.ts';

export interface Dispatcher {
  /** Fetch now: jobs were just enqueued (here or in another process). */
  wake(): void;
  /** Stops fetching and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
}

/** Polling is only the backstop (and picks up delayed retries). */
const POLL_MS = 1000;

/**
 * Runs jobs of one queue, up to `concurrency` at once, and no more than `room()` says the worker can
 * take. It fetches as soon as it is woken — by an enqueue in this process or, through pub/sub, in
 * another, or when room frees up — so a job never waits for a polling interval.
 */
export function startDispatcher(boss: Boss, queue: string, concurrency: number, handle: (data: object) => Promise<void>, { room = () => Infinity }: { room?: () => number } = {}): Dispatcher {
  let running = true;
  let active = 0;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const inFlight = new Set<Promise<void>>();
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
        const done = handle(job.data)
          .then(() => boss.complete(queue, job.id).catch(() => {}))
          .catch(async (error: Error) => {
            // A job cut short by this worker's stop runs again: no stack for that.
            console.error(`${queue} job ${job.id} failed:`, error instanceof WorkerStopping ? error.message : error);
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
        const timer = setTimeout(resolve, POLL_MS);
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
    async stop() {
      running = false;
      wakeUp?.();
      await looping;
      await Promise.allSettled([...inFlight]);
    },
  };
}
