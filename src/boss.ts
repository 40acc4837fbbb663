import PgBoss from 'pg-boss';

export type Boss = PgBoss;

/**
 * The job queue. API processes only send jobs, so they skip pg-boss's maintenance and cron
 * supervision; worker processes run both.
 */
export async function startBoss(url: string, role: { worker: boolean }): Promise<Boss> {
  const boss = new PgBoss({ connectionString: url, max: 10, supervise: role.worker, schedule: role.worker });
  boss.on('error', (error) => console.error('queue:', error.message));
  await boss.start();
  return boss;
}
