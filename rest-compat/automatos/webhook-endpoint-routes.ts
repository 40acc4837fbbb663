import type { z } from 'zod';
import type { ApiWebhookDeliveryFragment, ApiWebhookEndpointFragment, NotificationEvent, WebhookDeliveryStatus, WebhookEndpointInput } from '../../src/generated/graphql/graphql.ts';
import type { NotificationEvent as EventName } from '../../src/store/events.ts';
import { failIfError } from '../graphql.ts';
import { found, type RestRoute } from '../route.ts';
import * as op from './webhook-endpoint-operations.ts';
import * as schema from './webhook-endpoint-schemas.ts';
import { Deleted } from './schemas.ts';

const BASE = '/api/webhook-endpoints';
const DELIVERIES = '/api/webhook-deliveries';

/** GraphQL's enum value for an event name, and back: `EXECUTION_AWAITING_APPROVAL` ↔ `execution.awaiting_approval`. */
const toEnum = (event: EventName) => event.toUpperCase().replace('.', '_') as NotificationEvent;
const toName = (event: NotificationEvent) => event.toLowerCase().replace('_', '.') as EventName;

const endpoint = (e: ApiWebhookEndpointFragment): z.infer<typeof schema.WebhookEndpoint> => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events.map(toName),
  enabled: e.enabled,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

const delivery = (d: ApiWebhookDeliveryFragment): z.infer<typeof schema.WebhookDelivery> => ({
  id: d.id,
  endpoint_id: d.endpointId,
  event: toName(d.event),
  execution_id: d.executionId ?? null,
  schedule_id: d.scheduleId ?? null,
  status: d.status.toLowerCase() as z.infer<typeof schema.WebhookDelivery>['status'],
  attempt_count: d.attemptCount,
  last_status_code: d.lastStatusCode ?? null,
  last_error: d.lastError ?? null,
  payload: d.payload as Record<string, unknown>,
  created_at: d.createdAt,
  last_attempt_at: d.lastAttemptAt ?? null,
  delivered_at: d.deliveredAt ?? null,
  attempts: d.attempts.map((a) => ({
    number: a.number,
    round: a.round,
    outcome: a.outcome.toLowerCase() as z.infer<typeof schema.WebhookDeliveryAttempt>['outcome'],
    status_code: a.statusCode ?? null,
    error: a.error ?? null,
    duration_ms: a.durationMs ?? null,
    response_excerpt: a.responseExcerpt ?? null,
    started_at: a.startedAt,
    finished_at: a.finishedAt ?? null,
  })),
});

/** A REST body as the GraphQL input (absent stays absent; null means "as is" for every field here). */
const input = (body: Partial<z.infer<typeof schema.WebhookEndpointBody>>) =>
  Object.fromEntries(Object.entries({ ...body, events: body.events?.map(toEnum) }).filter(([, value]) => value !== undefined && value !== null)) as WebhookEndpointInput;

const example: z.infer<typeof schema.WebhookEndpoint> = {
  id: 'whe_0h3bq9c2m1x8v7k4l5p6n2r1t',
  url: 'https://hooks.example.com/baton',
  description: 'Ops channel',
  events: ['execution.completed', 'execution.failed'],
  enabled: true,
  created_at: '2026-02-27T10:30:00.000Z',
  updated_at: '2026-02-27T10:30:00.000Z',
};

const deliveryExample: z.infer<typeof schema.WebhookDelivery> = {
  id: 'whd_2k9x7c1v8b3n5m4l6j0h1g2f3',
  endpoint_id: example.id,
  event: 'execution.completed',
  execution_id: 'exec_1a2b3c4d5e6f7g8h9i0j1k2l3',
  schedule_id: null,
  status: 'delivered',
  attempt_count: 2,
  last_status_code: 200,
  last_error: null,
  payload: {
    type: 'execution.completed',
    timestamp: '2026-02-27T10:31:02.120Z',
    data: { execution_id: 'exec_1a2b3c4d5e6f7g8h9i0j1k2l3', name: 'Daily brief', workflow_id: null, recipe_id: 'rcp_5t6y7u8i9o0p1a2s3d4f5g6h7', triggered_by: 'cron', status: 'completed', error: null, output: 'The brief…', output_truncated: false, steps_completed: 3, completed_at: '2026-02-27T10:31:02.120Z' },
  },
  created_at: '2026-02-27T10:31:02.120Z',
  last_attempt_at: '2026-02-27T10:31:20.410Z',
  delivered_at: '2026-02-27T10:31:20.455Z',
  attempts: [
    { number: 1, round: 0, outcome: 'failed', status_code: 503, error: 'HTTP 503', duration_ms: 31, response_excerpt: 'Service Unavailable', started_at: '2026-02-27T10:31:02.131Z', finished_at: '2026-02-27T10:31:02.162Z' },
    { number: 2, round: 0, outcome: 'succeeded', status_code: 200, error: null, duration_ms: 45, response_excerpt: null, started_at: '2026-02-27T10:31:20.410Z', finished_at: '2026-02-27T10:31:20.455Z' },
  ],
};

export const webhookEndpointRoutes = (): RestRoute[] => [
  {
    method: 'GET',
    path: BASE,
    operationId: 'listWebhookEndpoints',
    summary: "Lists the workspace's webhook endpoints (outbound notifications), oldest first, offset-paged.",
    status: 200,
    query: schema.WebhookEndpointListQuery,
    response: schema.WebhookEndpointList,
    example: { items: [example], total: 1, skip: 0, limit: 50 },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const { webhookEndpoints } = await run(op.ListWebhookEndpoints, { first: limit, offset: skip });
      return { items: webhookEndpoints.edges.map((edge) => endpoint(edge.node)), total: webhookEndpoints.totalCount, skip, limit };
    },
  },
  {
    method: 'POST',
    path: BASE,
    operationId: 'createWebhookEndpoint',
    summary: 'Registers an endpoint for the given events; answers with its signing secret, shown this once. Only http(s) URLs on public addresses (private ones where BATON_ALLOW_PRIVATE_WEBHOOKS=1); every problem is named (400).',
    status: 201,
    body: schema.WebhookEndpointBody,
    response: schema.CreatedWebhookEndpoint,
    example: { ...example, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    errors: [400],
    async handle({ body, run }) {
      const created = failIfError((await run(op.CreateWebhookEndpoint, { input: input(body) })).createWebhookEndpoint);
      return { ...endpoint(created.endpoint), secret: created.secret };
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:id`,
    operationId: 'getWebhookEndpoint',
    summary: 'One webhook endpoint (never its secret).',
    status: 200,
    response: schema.WebhookEndpoint,
    example,
    errors: [404],
    async handle({ params, run }) {
      return endpoint(found((await run(op.GetWebhookEndpoint, { id: params.id })).webhookEndpoint, 'Webhook endpoint', params.id));
    },
  },
  {
    method: 'PUT',
    path: `${BASE}/:id`,
    operationId: 'updateWebhookEndpoint',
    summary: 'Changes the given fields; a new secret signs every later attempt, retries included.',
    status: 200,
    body: schema.WebhookEndpointPatchBody,
    response: schema.WebhookEndpoint,
    example,
    errors: [400, 404],
    async handle({ params, body, run }) {
      return endpoint(failIfError((await run(op.UpdateWebhookEndpoint, { id: params.id, patch: input(body) })).updateWebhookEndpoint));
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:id`,
    operationId: 'deleteWebhookEndpoint',
    summary: 'Deletes an endpoint and its deliveries.',
    status: 200,
    response: Deleted,
    example: { success: true, message: 'Webhook endpoint https://hooks.example.com/baton deleted' },
    errors: [404],
    async handle({ params, run }) {
      const deleted = failIfError((await run(op.DeleteWebhookEndpoint, { id: params.id })).deleteWebhookEndpoint);
      return { success: true, message: `Webhook endpoint ${deleted.url} deleted` };
    },
  },
  {
    method: 'GET',
    path: DELIVERIES,
    operationId: 'listWebhookDeliveries',
    summary: "Lists the workspace's webhook deliveries, newest first, each with every attempt (status code, error, duration, the answer's first KB); filtered by endpoint, execution, status or event. An endpoint_id that is not the workspace's → 404.",
    status: 200,
    query: schema.WebhookDeliveryListQuery,
    response: schema.WebhookDeliveryList,
    example: { items: [deliveryExample], total: 1, skip: 0, limit: 50 },
    errors: [400, 404],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const endpointId = query.endpoint_id as string | undefined;
      const result = await run(op.ListWebhookDeliveries, {
        first: limit,
        offset: skip,
        endpointId,
        executionId: query.execution_id as string | undefined,
        status: (query.status as string | undefined)?.toUpperCase() as WebhookDeliveryStatus | undefined,
        event: query.event ? toEnum(query.event as EventName) : undefined,
        checkEndpoint: endpointId !== undefined,
        endpoint: endpointId ?? '',
      });
      if (endpointId !== undefined) found(result.webhookEndpoint, 'Webhook endpoint', endpointId);
      return { items: result.webhookDeliveries.edges.map((edge) => delivery(edge.node)), total: result.webhookDeliveries.totalCount, skip, limit };
    },
  },
  {
    method: 'POST',
    path: `${DELIVERIES}/:id/redeliver`,
    operationId: 'redeliverWebhook',
    summary: 'Sends a delivery again now, with the same body and webhook-id and a fresh set of retries; a disabled endpoint → 409.',
    status: 202,
    response: schema.WebhookDelivery,
    example: { ...deliveryExample, status: 'pending' },
    errors: [404, 409],
    async handle({ params, run }) {
      return delivery(failIfError((await run(op.RedeliverWebhook, { deliveryId: params.id })).redeliverWebhook));
    },
  },
];
