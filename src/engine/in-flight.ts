import { attemptKey, type StepJob } from './advance.ts';

/** How many attempts one worker process runs at once. */
export const LOCAL_ATTEMPTS = 100;

/**
 * The step attempts this process is running, from their claim until their result is recorded: so
 * a stop can abort their model calls, so the worker takes no more than it has room for, and so it
 * can tell a step it claimed but no longer runs (its claim or its record failed to commit) and give
 * it back (workers/liveness.ts). Attempts run on after the job that claimed them has ended.
 */
export class InFlight {
  private readonly calls = new Map<string, Set<AbortController>>();
  private readonly attempts = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly freed: (() => void)[] = [];
  private closed = false;

  /** How many more attempts this worker may take on now (none once it is closing). */
  room(): number {
    return this.closed ? 0 : Math.max(0, LOCAL_ATTEMPTS - this.attempts.size);
  }

  /** Calls `listener` when an attempt ends in a worker that had no room left, so it has again. */
  onFreed(listener: () => void): void {
    this.freed.push(listener);
  }

  has(job: StepJob): boolean {
    return this.attempts.has(attemptKey(job));
  }

  start(job: StepJob, controller: AbortController): () => void {
    const unwatch = this.watch(job.executionId, controller);
    this.attempts.add(attemptKey(job));
    return () => {
      const wasFull = this.attempts.size >= LOCAL_ATTEMPTS;
      this.attempts.delete(attemptKey(job));
      unwatch();
      if (wasFull) for (const listener of this.freed) listener();
    };
  }

  /** A model call of `executionId` that a stop of the execution or of this worker aborts (an attempt's, or a refinement's). */
  watch(executionId: string, controller: AbortController): () => void {
    const set = this.calls.get(executionId) ?? new Set();
    set.add(controller);
    this.calls.set(executionId, set);
    return () => {
      set.delete(controller);
      if (set.size === 0 && this.calls.get(executionId) === set) this.calls.delete(executionId);
    };
  }

  /** Keeps `work` (attempts and what they claim next) until it settles, for `drained`. */
  run(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  abort(executionId: string): void {
    for (const controller of this.calls.get(executionId) ?? []) controller.abort(new Error('the execution was stopped'));
  }

  /** Takes no more attempts (the worker is stopping). */
  close(): void {
    this.closed = true;
  }

  /** Cuts every model call still running here short with WorkerStopping: the worker's grace is over. */
  abortAll(): void {
    for (const set of this.calls.values()) for (const controller of set) controller.abort(new WorkerStopping());
  }

  /** Resolves once the attempts running here, and what they claimed next, have ended. */
  async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** Why a model call was cut short when its worker stopped: not the step's failure. */
export class WorkerStopping extends Error {
  constructor() {
    super('the worker is stopping');
  }
}
