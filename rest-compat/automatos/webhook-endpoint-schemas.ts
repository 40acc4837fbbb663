import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../../src/store/events.ts';
import { queryInteger } from '../input.ts';

// Webhook endpoints (issue #17): outbound completion notifications. Not in the product document;
// shaped like its other resources. The signing secret is write-only, shown once on creation.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const events = z.array(z.enum(NOTIFICATION_EVENTS)).describe(`The events POSTed to the endpoint: ${NOTIFICATION_EVENTS.join(', ')}`);

export const WebhookEndpoint = z.object({
  id: z.string().describe('whe_…'),
  url: z.string().describe('Where notifications are POSTed'),
  description: z.string(),
  events,
  enabled: z.boolean().describe('A disabled endpoint gets no new deliveries'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const CreatedWebhookEndpoint = WebhookEndpoint.extend({
  secret: z.string().describe('whsec_…: the signing secret, shown this once (Standard Webhooks form)'),
});

export const WebhookEndpointList = z.object({ items: z.array(WebhookEndpoint), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const WebhookEndpointBody = z.strictObject({
  url: z.string().describe('An http(s) URL on a public address'),
  events,
  description: z.string().nullish(),
  enabled: z.boolean().nullish(),
  secret: z.string().nullish().describe('A whsec_… secret of your own (24–64 bytes in base64); left out, one is generated and returned once'),
});

export const WebhookEndpointPatchBody = WebhookEndpointBody.partial();

export const WebhookEndpointListQuery = z.object({
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
});

const OUTCOMES = ['sending', 'succeeded', 'failed', 'timed_out', 'unreachable', 'refused', 'interrupted'] as const;
const STATUSES = ['pending', 'delivered', 'failed'] as const;

export const WebhookDeliveryAttempt = z.object({
  number: z.number().int().describe('1 for the first attempt'),
  round: z.number().int().describe('0, and one more for each manual redelivery'),
  outcome: z.enum(OUTCOMES),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  response_excerpt: z.string().nullable().describe("The first KB of the endpoint's answer"),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
});

export const WebhookDelivery = z.object({
  id: z.string().describe('whd_…; also the webhook-id header, the same on every attempt'),
  endpoint_id: z.string(),
  event: z.enum(NOTIFICATION_EVENTS),
  execution_id: z.string().nullable(),
  schedule_id: z.string().nullable(),
  status: z.enum(STATUSES).describe('pending: being sent or retried; delivered: a 2xx answered; failed: retries exhausted'),
  attempt_count: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).describe('The body sent: {type, timestamp, data}'),
  created_at: timestamp,
  last_attempt_at: timestamp.nullable(),
  delivered_at: timestamp.nullable(),
  attempts: z.array(WebhookDeliveryAttempt),
});

export const WebhookDeliveryList = z.object({ items: z.array(WebhookDelivery), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const WebhookDeliveryListQuery = WebhookEndpointListQuery.extend({
  endpoint_id: z.string().max(100).optional().describe("Only this endpoint's deliveries (404 when it is not the workspace's)"),
  execution_id: z.string().max(100).optional().describe("Only this execution's deliveries"),
  status: z.enum(STATUSES).optional(),
  event: z.enum(NOTIFICATION_EVENTS).optional(),
});
