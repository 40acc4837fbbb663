import type { StepJob } from './advance.ts';

/** How many attempts one worker process runs at once. */
const LOCAL_ATTEMPTS = 100;

const attemptKey = (job: StepJob) => `${job.executionId}:${job.stepId}:${job.itemIndex}:${job.attempt}`;

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
    const set = this.calls.get(job.executionId) ?? new Set();
    set.add(controller);
    this.calls.set(job.executionId, set);
    this.attempts.add(attemptKey(job));
    return () => {
      const wasFull = this.attempts.size >= LOCAL_ATTEMPTS;
      this.attempts.delete(attemptKey(job));
      set.delete(controller);
      if (set.size === 0 && this.calls.get(job.executionId) === set) this.calls.delete(job.executionId);
      if (wasFull) for (const listener of this.freed) listener();
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

  /**
   * Takes no more attempts, and resolves once those running have ended. Calls still running after
   * `graceMs` are aborted with WorkerStopping: their steps are left running, for another worker to
   * take over once this one is gone.
   */
  async drained(graceMs: number): Promise<void> {
    this.closed = true;
    const late = setTimeout(() => {
      for (const set of this.calls.values()) for (const controller of set) controller.abort(new WorkerStopping());
    }, graceMs);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    clearTimeout(late);
  }
}

/** Why a model call was cut short when its worker stopped: not the step's failure. */
export class WorkerStopping extends Error {
  constructor() {
    super('the worker is stopping');
  }
}
