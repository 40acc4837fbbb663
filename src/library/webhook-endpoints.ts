import { NotFoundError, ValidationError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../store/events.ts';
import { newId } from '../store/ids.ts';
import { seal } from '../store/secrets.ts';
import { newSigningSecret, secretProblem } from '../triggers/notifications.ts';
import { addressProblem, urlProblem } from '../triggers/webhook-address.ts';

/** How this deployment stores and guards webhook endpoints. */
export interface WebhookPolicy {
  /** Seals endpoints' signing secrets. */
  secretKey: Buffer;
  /** BATON_ALLOW_PRIVATE_WEBHOOKS: endpoints may be loopback or private addresses. */
  allowPrivate: boolean;
}

export interface WebhookEndpointFields {
  url: string;
  events: NotificationEvent[];
  description: string;
  enabled: boolean;
  /** `whsec_…`; generated when a new endpoint has none. Write-only. */
  secret: string;
}

const MAX_DESCRIPTION = 500;
/** A tenant's endpoints are looked up on every status change: a bounded number keeps that cheap. */
export const MAX_ENDPOINTS = 50;

export const webhookEndpointNotFound = (id: string) => new NotFoundError('Webhook endpoint not found', `No webhook endpoint with ID ${id.slice(0, 100)} exists for this tenant`);

/** Every problem of the given fields at once, each naming its field (the URL's address is checked after). */
function problemsOf(fields: Partial<WebhookEndpointFields>): string[] {
  const problems: string[] = [];
  if (fields.url !== undefined) {
    const problem = urlProblem(fields.url);
    if (problem) problems.push(problem);
  }
  if (fields.events !== undefined) {
    const unknown = fields.events.filter((event) => !(NOTIFICATION_EVENTS as readonly string[]).includes(event));
    if (!fields.events.length) problems.push(`\`events\` must name at least one event: ${NOTIFICATION_EVENTS.join(', ')}`);
    if (unknown.length) problems.push(`\`events\`: ${unknown.map((event) => JSON.stringify(String(event).slice(0, 100))).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} no event; the events are ${NOTIFICATION_EVENTS.join(', ')}`);
  }
  if (fields.description !== undefined && fields.description.length > MAX_DESCRIPTION) problems.push(`\`description\` is longer than ${MAX_DESCRIPTION} characters`);
  if (fields.secret !== undefined) {
    const problem = secretProblem(fields.secret);
    if (problem) problems.push(problem);
  }
  return problems;
}

async function check(fields: Partial<WebhookEndpointFields>, policy: WebhookPolicy): Promise<void> {
  const problems = problemsOf(fields);
  // Resolving the host is worth it only once the URL itself is sound.
  if (!problems.length && fields.url !== undefined) {
    const problem = await addressProblem(new URL(fields.url), policy.allowPrivate);
    if (problem) problems.push(problem);
  }
  if (problems.length) throw new ValidationError('Invalid webhook endpoint', problems.join('; '));
}

const unique = (events: NotificationEvent[]) => [...new Set(events)];

/** A new endpoint, and its signing secret: the only time the secret is shown. */
export async function createWebhookEndpoint(db: Db, tenantId: string, input: Pick<WebhookEndpointFields, 'url' | 'events'> & Partial<WebhookEndpointFields>, policy: WebhookPolicy) {
  await check(input, policy);
  if ((await db.webhookEndpoint.count({ where: { tenantId } })) >= MAX_ENDPOINTS) {
    throw new ValidationError('Too many webhook endpoints', `A workspace has at most ${MAX_ENDPOINTS} webhook endpoints; delete one, or subscribe one to more events`);
  }
  const secret = input.secret ?? newSigningSecret();
  const endpoint = await db.webhookEndpoint.create({
    data: { id: newId('whe'), tenantId, url: input.url, events: unique(input.events), description: input.description ?? '', enabled: input.enabled ?? true, secret: seal(policy.secretKey, secret) },
  });
  return { endpoint, secret };
}

/** Changes the given fields; a new `secret` replaces the old one for every later attempt. */
export async function updateWebhookEndpoint(db: Db, tenantId: string, id: string, patch: Partial<WebhookEndpointFields>, policy: WebhookPolicy) {
  const current = await db.webhookEndpoint.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!current) throw webhookEndpointNotFound(id);
  await check(patch, policy);
  const { secret, events, ...rest } = patch;
  return db.webhookEndpoint.update({
    where: { id },
    data: { ...rest, ...(events ? { events: unique(events) } : {}), ...(secret ? { secret: seal(policy.secretKey, secret) } : {}), updatedAt: new Date() },
  });
}

/** Deletes an endpoint with its deliveries (their pending retries find nothing to send). */
export async function deleteWebhookEndpoint(db: Db, tenantId: string, id: string) {
  const endpoint = await db.webhookEndpoint.findFirst({ where: { id, tenantId } });
  if (!endpoint) throw webhookEndpointNotFound(id);
  await db.webhookEndpoint.delete({ where: { id } });
  return endpoint;
}
