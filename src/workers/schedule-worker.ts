import type { Boss } from '../store/boss.ts';
import { disarmSchedule, FIRE_QUEUE, fireSchedule, reconcileSchedules, type FireDeps, type FireJob } from '../triggers/schedules.ts';
import { forgetOldDeliveries } from '../triggers/webhooks.ts';
import { startDispatcher } from './dispatcher.ts';
import { forgetOldNotifications } from './notification-worker.ts';

const FIRE_CONCURRENCY = 5;
/** Hourly: webhook delivery ids older than 24 h no longer count, so their rows go; so do finished outbound deliveries past their retention. */
const FORGET_QUEUE = 'baton-forget-deliveries';

export async function createTriggerQueues(boss: Boss): Promise<void> {
  // A fire that failed to start for an unexpected reason (the database away) is tried again; its
  // claim (schedule_fires) makes a retry after a success harmless.
  await boss.createQueue(FIRE_QUEUE, { name: FIRE_QUEUE, retryLimit: 3, retryDelay: 5, expireInSeconds: 60 });
  await boss.createQueue(FORGET_QUEUE, { name: FORGET_QUEUE, policy: 'short', retryLimit: 1, expireInSeconds: 300 });
}

/** The trigger jobs of the worker role: schedule fires, and the hourly forgetting of old deliveries (inbound ids, outbound notifications). */
export async function startTriggerWorkers(deps: FireDeps) {
  await deps.boss.schedule(FORGET_QUEUE, '17 * * * *');
  await reconcileSchedules(deps);
  const fires = startDispatcher(deps.boss, FIRE_QUEUE, FIRE_CONCURRENCY, async (data) => {
    const { scheduleId } = data as FireJob;
    const fired = await fireSchedule(deps, scheduleId);
    // A schedule deleted behind the scheduler's back (its recipe deleted) stops firing.
    if (fired.outcome === 'gone') await disarmSchedule(deps.boss, scheduleId);
  });
  const forget = startDispatcher(deps.boss, FORGET_QUEUE, 1, async () => void (await Promise.all([forgetOldDeliveries(deps), forgetOldNotifications(deps.pool)])));
  return { stop: () => Promise.all([fires.stop(), forget.stop()]).then(() => {}) };
}
