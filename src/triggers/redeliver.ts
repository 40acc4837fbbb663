import { ConflictError, NotFoundError } from '../errors.ts';
import type { NotifyJob } from '../engine/notify.ts';
import { enqueue, QUEUES, transaction, type EngineDeps } from '../engine/transaction.ts';

export const deliveryNotFound = (id: string) => new NotFoundError('Webhook delivery not found', `No webhook delivery with ID ${id.slice(0, 100)} exists for this tenant`);

/**
 * Sends a delivery again, now, with a fresh set of retries: its round moves on (a retry still
 * scheduled from the earlier round then sends nothing) and the new round's job is enqueued in the
 * same transaction. The body and `webhook-id` stay the same, so a receiver that keeps ids drops it
 * if it had it already.
 */
export async function redeliverWebhook(deps: EngineDeps, tenantId: string, deliveryId: string): Promise<string> {
  return transaction(deps, async (sql, changes) => {
    const [found] = await sql.query<{ enabled: boolean }>(
      `SELECT e.enabled FROM notification_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1 AND d.tenant_id = $2 FOR UPDATE OF d`,
      [deliveryId, tenantId],
    );
    if (!found) throw deliveryNotFound(deliveryId);
    if (!found.enabled) throw new ConflictError('Webhook endpoint disabled', `Delivery ${deliveryId}'s endpoint is disabled; enable it (updateWebhookEndpoint) before redelivering`);
    const [{ round }] = await sql.query<{ round: number }>(`UPDATE notification_deliveries SET round = round + 1, round_attempts = 0, status = 'pending' WHERE id = $1 RETURNING round`, [deliveryId]);
    enqueue(deps, sql, changes, QUEUES.notify, { deliveryId, round } satisfies NotifyJob, `${deliveryId}:${round}`);
    return deliveryId;
  });
}
