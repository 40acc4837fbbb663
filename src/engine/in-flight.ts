import type { StepJob } from './advance.ts';

/** How many attempts one worker process runs at once through its own claims. */
const LOCAL_ATTEMPTS = 100;

const attemptKey = (job: StepJob) => `${job.executionId}:${job.stepId}:${job.itemIndex}:${job.attempt}`;

/**
 * The step attempts this process is running, from their claim until their result is recorded: so
 * a stop can abort their model calls, and so the worker can tell a step it claimed but no longer
 * runs (its claim or its record failed to commit) and give it back (workers/liveness.ts).
 */
export class InFlight {
  private readonly calls = new Map<string, Set<AbortController>>();
  private readonly attempts = new Set<string>();

  /** How many more steps this worker may claim for itself now (beyond it, ready steps are queued for any worker). */
  room(): number {
    return Math.max(0, LOCAL_ATTEMPTS - this.attempts.size);
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
      this.attempts.delete(attemptKey(job));
      set.delete(controller);
      if (set.size === 0 && this.calls.get(job.executionId) === set) this.calls.delete(job.executionId);
    };
  }

  abort(executionId: string): void {
    for (const controller of this.calls.get(executionId) ?? []) controller.abort(new Error('the execution was stopped'));
  }
}
