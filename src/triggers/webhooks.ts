import type { ModelRegistry } from '../compiler/models.ts';
import { NotFoundError } from '../errors.ts';
import { startExecution, startRecipeExecution, type StartDeps } from '../engine/start.ts';
import type { Sql } from '../engine/transaction.ts';
import { unseal } from '../store/secrets.ts';

/** What a webhook id starts: a recipe (its schedule_config) or a markdown workflow (a webhook_triggers row). */
export interface WebhookTarget {
  webhookId: string;
  tenantId: string;
  kind: 'recipe' | 'workflow';
  /** The recipe's or the workflow's id. */
  targetId: string;
  name: string;
  /** The HMAC key deliveries must be signed with, if any. */
  secret: string | null;
}

export type WebhookDeps = StartDeps & { models: ModelRegistry; secretKey: Buffer };

/** `whk_` and 25 base-36 characters (128 random bits); anything else is not looked up. */
const WEBHOOK_ID = /^whk_[0-9a-z]{25}$/;

export const webhookNotFound = (id: string) => new NotFoundError('Webhook not found', `No webhook with ID ${id.slice(0, 100)} exists (it may have been deleted, or its recipe's schedule is no longer a trigger or webhook)`);

export async function findWebhook(deps: WebhookDeps, kind: WebhookTarget['kind'], webhookId: string): Promise<WebhookTarget> {
  if (!WEBHOOK_ID.test(webhookId)) throw webhookNotFound(webhookId);
  if (kind === 'recipe') {
    // Should a copy of a recipe ever share its webhook id, the oldest one answers.
    const { rows } = await deps.pool.query<{ id: string; tenant_id: string; name: string; sealed: string | null; secret: string | null }>(
      `SELECT id, tenant_id, name, schedule_config ->> 'webhook_secret_sealed' AS sealed, schedule_config ->> 'webhook_secret' AS secret FROM recipes
       WHERE schedule_config ->> 'webhook_id' = $1 AND schedule_config ->> 'type' IN ('trigger', 'webhook') ORDER BY created_at LIMIT 1`,
      [webhookId],
    );
    const [row] = rows;
    if (!row) throw webhookNotFound(webhookId);
    // A plain `webhook_secret` is how recipes saved before secrets were sealed keep theirs until their next update.
    const secret = row.sealed ? unseal<string>(deps.secretKey, row.sealed) : row.secret || null;
    return { webhookId, tenantId: row.tenant_id, kind, targetId: row.id, name: row.name, secret };
  }
  const { rows } = await deps.pool.query<{ tenant_id: string; workflow_id: string; name: string; secret: string | null }>(
    `SELECT t.tenant_id, t.workflow_id, w.name, t.secret FROM webhook_triggers t JOIN workflows w ON w.id = t.workflow_id
     WHERE t.id = $1 AND w.deleted_at IS NULL`,
    [webhookId],
  );
  const [row] = rows;
  if (!row) throw webhookNotFound(webhookId);
  return { webhookId, tenantId: row.tenant_id, kind, targetId: row.workflow_id, name: row.name, secret: row.secret ? unseal<string>(deps.secretKey, row.secret) : null };
}

/** A delivery id seen on this webhook within 24 hours: the execution it started. */
async function seen(deps: WebhookDeps, webhookId: string, deliveryId: string): Promise<string | undefined> {
  const { rows } = await deps.pool.query<{ execution_id: string }>(
    `SELECT execution_id FROM webhook_deliveries WHERE webhook_id = $1 AND delivery_id = $2 AND received_at > now() - interval '24 hours'`,
    [webhookId, deliveryId],
  );
  return rows[0]?.execution_id;
}

class RepeatedDelivery extends Error {}

export interface Started {
  executionId: string;
  /** True when the delivery id was seen within 24 h: nothing new started, this is the first one's execution. */
  repeated: boolean;
}

/**
 * Starts the target with `triggered_by: "webhook"`. With a delivery id, the id is claimed in the
 * starting transaction (a primary key on webhook + delivery id), so of concurrent repeats exactly one
 * commits an execution and the others answer with its id; a claim older than 24 h is taken over.
 */
export async function startFromWebhook(deps: WebhookDeps, target: WebhookTarget, inputs: Record<string, unknown>, deliveryId: string | undefined): Promise<Started> {
  if (deliveryId) {
    const earlier = await seen(deps, target.webhookId, deliveryId);
    if (earlier) return { executionId: earlier, repeated: true };
  }
  const also = deliveryId
    ? async (sql: Sql, executionId: string) => {
        const claimed = await sql.query(
          `INSERT INTO webhook_deliveries (webhook_id, delivery_id, tenant_id, execution_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (webhook_id, delivery_id) DO UPDATE SET execution_id = EXCLUDED.execution_id, received_at = now()
           WHERE webhook_deliveries.received_at <= now() - interval '24 hours' RETURNING execution_id`,
          [target.webhookId, deliveryId, target.tenantId, executionId],
        );
        if (!claimed.length) throw new RepeatedDelivery();
      }
    : undefined;
  const options = { also, dropUndeclaredInputs: true };
  try {
    const started = target.kind === 'recipe'
      ? await startRecipeExecution(deps, target.tenantId, target.targetId, inputs, 'webhook', options)
      : await startExecution(deps, target.tenantId, target.targetId, inputs, 'webhook', options);
    return { executionId: started.id, repeated: false };
  } catch (error) {
    if (!(error instanceof RepeatedDelivery)) throw error;
    const earlier = await seen(deps, target.webhookId, deliveryId!);
    if (!earlier) throw error;
    return { executionId: earlier, repeated: true };
  }
}

/** Forgets delivery ids older than 24 hours (they no longer count). */
export async function forgetOldDeliveries(deps: Pick<WebhookDeps, 'pool'>): Promise<number> {
  const result = await deps.pool.query(`DELETE FROM webhook_deliveries WHERE received_at <= now() - interval '24 hours'`);
  return result.rowCount ?? 0;
}
