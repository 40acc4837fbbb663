import type { Boss } from '../store/boss.ts';
import type { StepJob } from '../engine/advance.ts';
import { expireExecution } from '../engine/decisions.ts';
import { runRefinement, type RefineJob } from '../engine/refine.ts';
import { runAdvance, runStep } from '../engine/step.ts';
import type { StepDeps } from '../engine/step-deps.ts';
import { QUEUES } from '../engine/transaction.ts';
import { recipeExecutionFinished } from '../library/recipe-quality.ts';
import { startDispatcher, type Dispatcher } from './dispatcher.ts';
import { startLiveness } from './liveness.ts';

/** Jobs end once their transaction commits (attempts run on in the worker), so few run at once. */
const STEP_CONCURRENCY = 20;
export const ADVANCE_CONCURRENCY = 10;
const REFINE_CONCURRENCY = 10;
const DEADLINE_CONCURRENCY = 5;
const RECIPE_FINISHED_CONCURRENCY = 5;

export async function createQueues(boss: Boss): Promise<void> {
  // `short`: at most one queued job per singleton key (an execution's advance, a step's attempt).
  // A job fetched by a worker that then died is redelivered when it expires; a redelivered job whose
  // step another live worker is still running does nothing (see engine/step.ts).
  // Jobs expire soon (15 s) so a crash between fetch and claim costs seconds, not minutes.
  for (const name of [QUEUES.advance, QUEUES.step]) await boss.createQueue(name, { name, policy: 'short', retryLimit: 50, retryDelay: 1, expireInSeconds: 15 });
  // A refinement is one model call with no heartbeat of its own: its job stays active for as long
  // as the call may take, so a crash mid-call delays it by up to that long before it runs again.
  await boss.createQueue(QUEUES.refine, { name: QUEUES.refine, policy: 'short', retryLimit: 5, retryDelay: 1, expireInSeconds: 900 });
  // One deadline per execution, due at its total timeout; finding it already finished does nothing.
  await boss.createQueue(QUEUES.deadline, { name: QUEUES.deadline, policy: 'short', retryLimit: 20, retryDelay: 1, expireInSeconds: 60 });
  // After a recipe's execution finished: its success rate and automatic learning (safe to run again).
  await boss.createQueue(QUEUES.recipeFinished, { name: QUEUES.recipeFinished, policy: 'short', retryLimit: 10, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 });
}

/** The worker role: dispatchers for the queues, woken whenever jobs are enqueued anywhere. */
export async function startEngineWorkers(engine: Omit<StepDeps, 'workerId' | 'giveBack'>, { pollMs }: { pollMs?: number } = {}): Promise<{ deps: StepDeps; stop(graceMs: number): Promise<void> }> {
  const liveness = await startLiveness(engine);
  const deps: StepDeps = { ...engine, workerId: liveness.workerId, giveBack: liveness.sweep };
  const dispatchers: Record<string, Dispatcher> = {
    [QUEUES.advance]: startDispatcher(deps.boss, QUEUES.advance, ADVANCE_CONCURRENCY, (data) => runAdvance(deps, (data as { executionId: string }).executionId), { pollMs }),
    // A step job starts an attempt: fetched only while this worker has room for more.
    [QUEUES.step]: startDispatcher(deps.boss, QUEUES.step, STEP_CONCURRENCY, (data) => runStep(deps, data as StepJob), { room: () => deps.inFlight.room(), pollMs }),
    [QUEUES.refine]: startDispatcher(deps.boss, QUEUES.refine, REFINE_CONCURRENCY, (data) => runRefinement(deps, data as RefineJob), { pollMs }),
    [QUEUES.deadline]: startDispatcher(deps.boss, QUEUES.deadline, DEADLINE_CONCURRENCY, (data) => expireExecution(deps, (data as { executionId: string }).executionId), { pollMs }),
    [QUEUES.recipeFinished]: startDispatcher(deps.boss, QUEUES.recipeFinished, RECIPE_FINISHED_CONCURRENCY, (data) => recipeExecutionFinished(deps.db, (data as { executionId: string }).executionId), { pollMs }),
  };
  deps.inFlight.onFreed(() => dispatchers[QUEUES.step].wake());
  const subscriptions = Object.keys(dispatchers).map((queue) => {
    const enqueued = deps.pubsub.subscribe('jobsEnqueued', queue);
    void (async () => {
      for await (const { delayMs } of enqueued) {
        if (delayMs) dispatchers[queue].wakeAfter(delayMs);
        else dispatchers[queue].wake();
      }
    })();
    return enqueued;
  });
  const stops = deps.pubsub.subscribe('executionStopped', 'all');
  void (async () => {
    for await (const { executionId } of stops) deps.inFlight.abort(executionId);
  })();
  // Not awaited: while pub/sub is unreachable the workers still run, woken by their own enqueues
  // and by polling, and the subscriptions start once it is back.
  void Promise.all([...subscriptions, stops].map((subscription) => subscription.ready)).catch((error: Error) =>
    console.error('workers: cannot listen for wake-ups and stops, polling only:', error.message),
  );
  return {
    /** What this worker runs steps with: a start in this process claims its first steps for it. */
    deps,
    /**
     * Takes no more work and lets the model calls running here finish for up to `graceMs` (a stop
     * still aborts them). Those still running then are cut short and left to another worker: a
     * step's as soon as this worker has left (its steps are orphans at the next sweep), a
     * refinement's when its job is retried.
     */
    async stop(graceMs) {
      deps.inFlight.close();
      const late = setTimeout(() => deps.inFlight.abortAll(), graceMs);
      await Promise.all(Object.values(dispatchers).map((dispatcher) => dispatcher.stop()));
      await deps.inFlight.drained();
      clearTimeout(late);
      await Promise.all([...subscriptions, stops].map((subscription) => subscription.return?.()));
      await liveness.stop();
    },
  };
}
