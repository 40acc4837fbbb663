import { NotFoundError, ValidationError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { seal } from '../store/secrets.ts';
import { findWorkflow } from './workflows.ts';

const MAX_SECRET = 500;

export const webhookTriggerNotFound = (id: string) => new NotFoundError('Webhook trigger not found', `No webhook trigger with ID ${id.slice(0, 100)} exists for this tenant`);

/**
 * A new inbound webhook of a markdown workflow: POST /hooks/{id} starts it. With a secret, deliveries
 * must carry its HMAC-SHA256 signature; the secret is stored sealed and never shown again.
 */
export async function createWebhookTrigger(db: Db, tenantId: string, workflowId: string, secret: string | null | undefined, secretKey: Buffer) {
  if (secret !== null && secret !== undefined && (secret.trim() === '' || secret.length > MAX_SECRET)) {
    throw new ValidationError('Invalid secret', `\`secret\` is a non-empty string of at most ${MAX_SECRET} characters (or null for unsigned deliveries)`);
  }
  await findWorkflow(db, tenantId, workflowId);
  return db.webhookTrigger.create({ data: { id: newId('whk'), tenantId, workflowId, secret: secret ? seal(secretKey, secret) : null } });
}

export async function deleteWebhookTrigger(db: Db, tenantId: string, id: string) {
  const trigger = await db.webhookTrigger.findFirst({ where: { id, tenantId } });
  if (!trigger) throw webhookTriggerNotFound(id);
  await db.webhookTrigger.delete({ where: { id } });
  return trigger;
}
