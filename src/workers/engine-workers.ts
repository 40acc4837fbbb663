import type { Boss } from '../boss.ts';
import type { StepJob } from '../engine/advance.ts';
import { runRefinement, type RefineJob } from '../engine/refine.ts';
import { runAdvance, runStep, type StepDeps } from '../engine/step.ts';
import { QUEUES } from '../engine/transaction.ts';
import { startDispatcher, type Dispatcher } from './dispatcher.ts';
import { startLiveness } from './liveness.ts';

/** Step jobs mostly wait on the model, so many run at once; `advance` jobs are short. */
const STEP_CONCURRENCY = 50;
const ADVANCE_CONCURRENCY = 10;
const REFINE_CONCURRENCY = 10;

export async function createQueues(boss: Boss): Promise<void> {
  // `short`: at most one queued job per singleton key (an execution's advance, a step's attempt).
  // A job fetched by a worker that then died is redelivered when it expires; a redelivered job whose
  // step another live worker is still running does nothing (see engine/step.ts).
  // Jobs expire soon (15 s) so a crash between fetch and claim costs seconds, not minutes.
  for (const name of [QUEUES.advance, QUEUES.step]) await boss.createQueue(name, { name, policy: 'short', retryLimit: 50, retryDelay: 1, expireInSeconds: 15 });
  // A refinement is one model call with no heartbeat of its own: its job stays active for as long
  // as the call may take, so a crash mid-call delays it by up to that long before it runs again.
  await boss.createQueue(QUEUES.refine, { name: QUEUES.refine, policy: 'short', retryLimit: 5, retryDelay: 1, expireInSeconds: 900 });
}

/** The worker role: dispatchers for both queues, woken whenever jobs are enqueued anywhere. */
export async function startEngineWorkers(engine: Omit<StepDeps, 'workerId'>): Promise<{ stop(): Promise<void> }> {
  const liveness = await startLiveness(engine);
  const deps: StepDeps = { ...engine, workerId: liveness.workerId };
  // A step job or advance job that failed may leave a step this worker claimed but no longer runs
  // (a claim or record that did not commit): it is given back at once.
  const givingBack = <T>(run: (data: T) => Promise<void>) => (data: object) => run(data as T).catch((error: unknown) => (liveness.sweep(), Promise.reject(error)));
  const dispatchers: Record<string, Dispatcher> = {
    [QUEUES.advance]: startDispatcher(deps.boss, QUEUES.advance, ADVANCE_CONCURRENCY, givingBack<{ executionId: string }>((data) => runAdvance(deps, data.executionId))),
    [QUEUES.step]: startDispatcher(deps.boss, QUEUES.step, STEP_CONCURRENCY, givingBack<StepJob>((data) => runStep(deps, data))),
    [QUEUES.refine]: startDispatcher(deps.boss, QUEUES.refine, REFINE_CONCURRENCY, (data) => runRefinement(deps, data as RefineJob)),
  };
  const subscriptions = Object.keys(dispatchers).map((queue) => {
    const enqueued = deps.pubsub.subscribe('jobsEnqueued', queue);
    void (async () => {
      for await (const _ of enqueued) dispatchers[queue].wake();
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
    async stop() {
      await Promise.all([...subscriptions, stops].map((subscription) => subscription.return?.()));
      await Promise.all(Object.values(dispatchers).map((dispatcher) => dispatcher.stop()));
      await liveness.stop();
    },
  };
}
