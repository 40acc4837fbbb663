import type pg from 'pg';
import type { NotifyJob } from '../engine/notify.ts';
import { QUEUES } from '../engine/transaction.ts';
import type { Boss } from '../store/boss.ts';
import type { PubSub } from '../store/pubsub.ts';
import { unseal } from '../store/secrets.ts';
import { postNotification, type AttemptResult } from '../triggers/notification-post.ts';
import { signatureHeaders } from '../triggers/notifications.ts';
import { startDispatcher } from './dispatcher.ts';

export interface NotificationSettings {
  /** One attempt's limit (BATON_NOTIFICATION_TIMEOUT_MS). */
  timeoutMs: number;
  /** pg-boss's retry delay: the first retry waits 1–2 times this, each later one twice as long. */
  retryDelaySeconds: number;
  retries: number;
  allowPrivate: boolean;
  secretKey: Buffer;
}

/** Attempts in flight per worker process: each mostly waits on a receiver, up to the timeout. */
const NOTIFY_CONCURRENCY = 50;

/**
 * The queue's retries are pg-boss's own (exponential, with jitter: about a day with the defaults).
 * A job whose worker died mid-attempt is failed by pg-boss once it expires (shortly after the
 * attempt's own timeout) and retried like any failure, so a crash delays a delivery, never loses it.
 * Each process applies its settings (updateQueue), so the queue follows the deployment's current ones.
 */
export async function createNotificationQueue(boss: Boss, settings: Pick<NotificationSettings, 'timeoutMs' | 'retryDelaySeconds' | 'retries'>): Promise<void> {
  const options = { retryLimit: settings.retries, retryDelay: settings.retryDelaySeconds, retryBackoff: true, expireInSeconds: Math.ceil(settings.timeoutMs / 1000) + 5 };
  await boss.createQueue(QUEUES.notify, { name: QUEUES.notify, policy: 'short', ...options });
  await boss.updateQueue(QUEUES.notify, { name: QUEUES.notify, ...options } as Parameters<Boss['updateQueue']>[1]);
}

/** A failed attempt whose job pg-boss retries: said in one line, it is the receiver's problem, not Baton's. */
class AttemptFailed extends Error {
  readonly quiet = true;
}

interface Started {
  attempts: number;
  round_attempts: number;
  payload: unknown;
  url: string;
  secret: string;
}

/**
 * Starts an attempt in one statement: a delivery of this round still pending on an enabled endpoint
 * counts one more attempt, recorded now as `sending` (so an attempt cut short by a crash shows, as
 * `interrupted`, when the next one starts). A delivery whose endpoint was disabled fails instead.
 */
const START = `
  WITH target AS (
    SELECT d.id, e.enabled, e.url, e.secret FROM notification_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.id = $1 AND d.round = $2 AND d.status = 'pending'
  ), disabled AS (
    UPDATE notification_deliveries d SET status = 'failed', last_error = 'The endpoint is disabled: enable it, then redeliver'
    FROM target t WHERE d.id = t.id AND NOT t.enabled
  ), started AS (
    UPDATE notification_deliveries d SET attempts = d.attempts + 1, round_attempts = d.round_attempts + 1, last_attempt_at = now()
    FROM target t WHERE d.id = t.id AND t.enabled
    RETURNING d.id, d.attempts, d.round_attempts, d.payload, t.url, t.secret
  ), interrupted AS (
    UPDATE notification_attempts SET outcome = 'interrupted', error = 'The worker stopped during this attempt', finished_at = now()
    WHERE delivery_id = $1 AND outcome = 'sending' AND EXISTS (SELECT 1 FROM started)
  ), attempt AS (
    INSERT INTO notification_attempts (delivery_id, number, round, outcome) SELECT id, attempts, $2, 'sending' FROM started
  )
  SELECT attempts, round_attempts, payload, url, secret FROM started`;

/** Records how the attempt ended, and where the delivery stands after it. */
const FINISH = `
  WITH attempt AS (
    UPDATE notification_attempts SET outcome = $3, status_code = $4, error = $5, duration_ms = $6, response_excerpt = $7, finished_at = now()
    WHERE delivery_id = $1 AND number = $2
  )
  UPDATE notification_deliveries SET status = $8, last_status_code = $4, last_error = $5, delivered_at = CASE WHEN $8 = 'delivered' THEN now() ELSE delivered_at END
  WHERE id = $1 AND round = $9`;

export async function deliver(deps: { pool: pg.Pool; settings: NotificationSettings; stop?: AbortSignal }, job: NotifyJob): Promise<void> {
  const { pool, settings } = deps;
  const { rows } = await pool.query<Started>(START, [job.deliveryId, job.round]);
  const started = rows[0];
  // Delivered already, of an earlier round, disabled, or deleted with its endpoint: nothing to send.
  if (!started) return;
  // jsonb keeps keys in its own order; the envelope's read best in the standard's.
  const { type, timestamp, data } = started.payload as { type: string; timestamp: string; data: unknown };
  const body = JSON.stringify({ type, timestamp, data });
  let headers: Record<string, string> | undefined;
  let result: AttemptResult | undefined;
  try {
    headers = signatureHeaders(job.deliveryId, body, unseal<string>(settings.secretKey, started.secret));
  } catch (error) {
    // The secret sealed under another key: this process's BATON_SECRET_KEY differs from the one that saved it.
    result = { outcome: 'failed', statusCode: null, error: `Not sent: the signing secret cannot be opened (${(error as Error).message}); every process must share BATON_SECRET_KEY`, durationMs: 0, excerpt: null };
  }
  result ??= await postNotification(started.url, body, headers!, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, stop: deps.stop });
  const last = started.round_attempts > settings.retries;
  const status = result.outcome === 'succeeded' ? 'delivered' : last ? 'failed' : 'pending';
  await pool.query(FINISH, [job.deliveryId, started.attempts, result.outcome, result.statusCode, result.error, result.durationMs, result.excerpt, status, job.round]);
  if (status === 'pending') throw new AttemptFailed(`delivery ${job.deliveryId} attempt ${started.attempts}: ${result.error}; retried later`);
}

/** How long finished deliveries (and their attempts) stay listable. */
export const NOTIFICATION_RETENTION_DAYS = 30;

/** Forgets finished deliveries older than the retention (hourly, with the inbound delivery ids). */
export async function forgetOldNotifications(pool: pg.Pool): Promise<number> {
  const result = await pool.query(`DELETE FROM notification_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(days => $1)`, [NOTIFICATION_RETENTION_DAYS]);
  return result.rowCount ?? 0;
}

/** The notification jobs of the worker role, fetched as soon as they are enqueued anywhere. */
export function startNotificationWorkers(deps: { pool: pg.Pool; boss: Boss; pubsub: PubSub; settings: NotificationSettings }, { pollMs }: { pollMs?: number } = {}) {
  const stopping = new AbortController();
  const dispatcher = startDispatcher(deps.boss, QUEUES.notify, NOTIFY_CONCURRENCY, (data) => deliver({ ...deps, stop: stopping.signal }, data as NotifyJob), { pollMs });
  const enqueued = deps.pubsub.subscribe('jobsEnqueued', QUEUES.notify);
  void (async () => {
    for await (const { delayMs } of enqueued) {
      if (delayMs) dispatcher.wakeAfter(delayMs);
      else dispatcher.wake();
    }
  })();
  // While pub/sub is away the dispatcher still polls.
  void enqueued.ready.catch(() => {});
  return {
    /** Takes no more jobs; attempts still waiting on a receiver after `graceMs` are cut short, recorded as interrupted and retried. */
    async stop(graceMs: number) {
      const late = setTimeout(() => stopping.abort(), graceMs);
      await dispatcher.stop();
      clearTimeout(late);
      await enqueued.return?.();
    },
  };
}
