import PgBoss from 'pg-boss';

export type Boss = PgBoss;

/**
 * The job queue. API processes only send jobs, so they skip pg-boss's maintenance and cron
 * supervision; worker processes run both.
 */
export async function startBoss(url: string, role: { worker: boolean; cronCheckSeconds?: number }): Promise<Boss> {
  // Maintenance (which also expires jobs of workers that died) runs every 15 s instead of 2 min.
  // Cron schedules are checked every `cronCheckSeconds` (30 by default; short in tests).
  const cron = role.cronCheckSeconds ?? 30;
  const boss = new PgBoss({
    connectionString: url, max: 10, supervise: role.worker, schedule: role.worker, maintenanceIntervalSeconds: 15,
    cronMonitorIntervalSeconds: cron, cronWorkerIntervalSeconds: Math.min(cron, 5),
  });
  boss.on('error', (error) => console.error('queue:', error.message));
  await boss.start();
  return boss;
}

/** Jobs waiting to be fetched (created or due for retry), by queue; pg-boss's own queues left out. */
export async function queueDepths(boss: Boss): Promise<Record<string, number>> {
  const queues = (await boss.getQueues()).filter((queue) => !queue.name.startsWith('__pgboss'));
  const sizes = await Promise.all(queues.map((queue) => boss.getQueueSize(queue.name)));
  return Object.fromEntries(queues.map((queue, index) => [queue.name, sizes[index]]));
}
