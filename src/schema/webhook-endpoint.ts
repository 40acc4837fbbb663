import { builder } from '../builder.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint, updateWebhookEndpoint, type WebhookEndpointFields } from '../library/webhook-endpoints.ts';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../store/events.ts';
import { redeliverWebhook } from '../triggers/redeliver.ts';

const enumName = (value: string) => value.toUpperCase().replace(/\./g, '_');

const NotificationEventEnum = builder.enumType('NotificationEvent', {
  description: 'What a webhook endpoint can be notified of; the body\'s `type` is the lowercase dotted name (`EXECUTION_COMPLETED` → `execution.completed`). `EXECUTION_BUDGET_EXHAUSTED` is sent, beside `EXECUTION_FAILED`, when an execution fails because its budget ran out.',
  values: Object.fromEntries(NOTIFICATION_EVENTS.map((event) => [enumName(event), { value: event }])) as Record<string, { value: NotificationEvent }>,
});

const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
const DeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: '`PENDING`: being sent or waiting for a retry. `DELIVERED`: the endpoint answered 2xx. `FAILED`: every retry failed (or the endpoint was disabled); `redeliverWebhook` sends it again.',
  values: Object.fromEntries(DELIVERY_STATUSES.map((status) => [status.toUpperCase(), { value: status }])) as Record<string, { value: (typeof DELIVERY_STATUSES)[number] }>,
});

const OUTCOMES = ['sending', 'succeeded', 'failed', 'timed_out', 'unreachable', 'refused', 'interrupted'] as const;
const OutcomeEnum = builder.enumType('WebhookAttemptOutcome', {
  description: '`SENDING`: under way. `SUCCEEDED`: 2xx. `FAILED`: another status (redirects are not followed). `TIMED_OUT`: no complete answer within BATON_NOTIFICATION_TIMEOUT_MS. `UNREACHABLE`: no connection (DNS, refused, reset). `REFUSED`: the host is a private address. `INTERRUPTED`: the worker stopped mid-attempt.',
  values: Object.fromEntries(OUTCOMES.map((outcome) => [outcome.toUpperCase(), { value: outcome }])) as Record<string, { value: (typeof OUTCOMES)[number] }>,
});

const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  description: 'Where the tenant\'s notifications are POSTed, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Its secret is shown once, when it is created.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  select: { id: true, url: true, description: true, events: true, enabled: true, createdAt: true, updatedAt: true },
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    events: t.field({ type: [NotificationEventEnum], resolve: (endpoint) => endpoint.events as NotificationEvent[] }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled endpoint gets no new deliveries, and its pending ones fail.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('NotificationAttempt', {
  name: 'WebhookDeliveryAttempt',
  description: 'One try to send a delivery.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1 for the first attempt; counts on across redeliveries.' }),
    round: t.exposeInt('round', { description: '0, and one more for each manual redelivery.' }),
    outcome: t.field({ type: OutcomeEnum, resolve: (attempt) => attempt.outcome as (typeof OUTCOMES)[number] }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: "The endpoint's HTTP status, when it answered." }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    responseExcerpt: t.exposeString('responseExcerpt', { nullable: true, description: "The first KB of the endpoint's answer." }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObject('NotificationDelivery', {
  name: 'WebhookDelivery',
  description: 'One event for one endpoint: the body sent on every attempt, and where sending it stands. Failed attempts are retried with exponential backoff for about a day.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats.' }),
    endpointId: t.exposeID('endpointId'),
    event: t.field({ type: NotificationEventEnum, resolve: (delivery) => delivery.event as NotificationEvent }),
    executionId: t.exposeID('executionId', { nullable: true }),
    scheduleId: t.exposeID('scheduleId', { nullable: true }),
    payload: t.expose('payload', { type: 'JSON', description: 'The body: `{type, timestamp, data}`.' }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (delivery) => delivery.status as (typeof DELIVERY_STATUSES)[number] }),
    attemptCount: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    attempts: t.relation('tries', { query: { orderBy: { number: 'asc' }, take: 100 }, description: 'Every attempt, oldest first (at most 100).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event happened (the transaction that changed the status).' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedEndpoint = builder.objectRef<{ endpoint: { id: string }; secret: string }>('CreatedWebhookEndpoint').implement({
  description: 'A new endpoint and its signing secret, shown this once.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (created) => created.endpoint as never }),
    secret: t.exposeString('secret', { description: '`whsec_…`: verify signatures with it (any Standard Webhooks library takes it as is). It is stored encrypted and never shown again.' }),
  }),
});

const EndpointInput = builder.inputType('WebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'An http(s) URL on a public address (private ones only where BATON_ALLOW_PRIVATE_WEBHOOKS=1).' }),
    events: t.field({ type: [NotificationEventEnum], required: true }),
    description: t.string(),
    enabled: t.boolean(),
    secret: t.string({ description: 'A `whsec_…` secret of your own (24–64 bytes in base64); left out, one is generated.' }),
  }),
});

const EndpointPatch = builder.inputType('WebhookEndpointPatch', {
  description: 'The fields to change; a new `secret` signs every later attempt.',
  fields: (t) => ({
    url: t.string(),
    events: t.field({ type: [NotificationEventEnum] }),
    description: t.string(),
    enabled: t.boolean(),
    secret: t.string(),
  }),
});

const given = <T extends Record<string, unknown>>(input: T) => Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) as Partial<WebhookEndpointFields>;

builder.queryFields((t) => ({
  webhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    nullable: true,
    description: "One of the tenant's webhook endpoints; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.webhookEndpoint.findFirst({ ...query, where: { id: String(id), tenantId: ctx.tenant.id } }),
  }),
  webhookEndpoints: t.prismaConnection(
    {
      type: 'WebhookEndpoint',
      cursor: 'id',
      description: "The tenant's webhook endpoints, oldest first.",
      args: { offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }) },
      resolve: (query, _root, { offset }, ctx) =>
        ctx.db.webhookEndpoint.findMany({ ...query, skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)), where: { tenantId: ctx.tenant.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      totalCount: (_root, _args, ctx) => ctx.db.webhookEndpoint.count({ where: { tenantId: ctx.tenant.id } }),
    },
    { name: 'WebhookEndpointConnection' },
    { name: 'WebhookEndpointEdge' },
  ),
  webhookDeliveries: t.prismaConnection(
    {
      type: 'NotificationDelivery',
      cursor: 'id',
      description: "The tenant's webhook deliveries, newest first, each with its attempts; filtered by endpoint, execution, workflow or recipe (their executions' and schedules'), status or event.",
      args: {
        endpointId: t.arg.id(),
        executionId: t.arg.id(),
        workflowId: t.arg.id(),
        recipeId: t.arg.id(),
        status: t.arg({ type: DeliveryStatusEnum }),
        event: t.arg({ type: NotificationEventEnum }),
        offset: t.arg.int({ description: 'Skip this many first (offset paging, for the REST API); ignored with `after`.' }),
      },
      resolve: (query, _root, { offset, ...filter }, ctx) =>
        ctx.db.notificationDelivery.findMany({
          ...query,
          skip: (query.skip ?? 0) + (query.cursor ? 0 : Math.max(0, offset ?? 0)),
          where: deliveryFilter(ctx.tenant.id, filter),
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
      totalCount: (_root, { offset: _offset, ...filter }, ctx) => ctx.db.notificationDelivery.count({ where: deliveryFilter(ctx.tenant.id, filter) }),
    },
    { name: 'WebhookDeliveryConnection' },
    { name: 'WebhookDeliveryEdge' },
  ),
}));

type Id = string | number | null | undefined;

function deliveryFilter(tenantId: string, filter: { endpointId?: Id; executionId?: Id; workflowId?: Id; recipeId?: Id; status?: string | null; event?: string | null }): Prisma.NotificationDeliveryWhereInput {
  // A workflow's (or recipe's) deliveries: those of its executions, and its schedules' pauses.
  const source = (field: 'workflowId' | 'recipeId', id: Id) => (id ? [{ OR: [{ execution: { [field]: String(id) } }, { schedule: { [field]: String(id) } }] }] : []);
  return {
    tenantId,
    AND: [...source('workflowId', filter.workflowId), ...source('recipeId', filter.recipeId)],
    ...(filter.endpointId ? { endpointId: String(filter.endpointId) } : {}),
    ...(filter.executionId ? { executionId: String(filter.executionId) } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.event ? { event: filter.event } : {}),
  };
}

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatedEndpoint,
    description: 'Registers an endpoint for the given events and returns it with its signing secret (shown this once). The URL must be http(s) and, unless the deployment allows private addresses, resolve to public ones only; every problem is named (ValidationError).',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: EndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) => createWebhookEndpoint(ctx.db, ctx.tenant.id, { ...given(input), url: input.url, events: input.events }, ctx.webhookPolicy),
  }),
  updateWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    description: 'Changes the given fields; later attempts (retries included) use them.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), patch: t.arg({ type: EndpointPatch, required: true }) },
    resolve: (_query, _root, { id, patch }, ctx) => updateWebhookEndpoint(ctx.db, ctx.tenant.id, String(id), given(patch), ctx.webhookPolicy),
  }),
  deleteWebhookEndpoint: t.prismaField({
    type: 'WebhookEndpoint',
    description: 'Deletes an endpoint and its deliveries (retries still scheduled send nothing), and returns it as it was.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => deleteWebhookEndpoint(ctx.db, ctx.tenant.id, String(id)),
  }),
  redeliverWebhook: t.prismaField({
    type: 'NotificationDelivery',
    description: 'Sends a delivery again now (same body and `webhook-id`), with a fresh set of retries; a disabled endpoint is a ConflictError.',
    errors: { types: [NotFoundError, ConflictError] },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: async (query, _root, { deliveryId }, ctx) => {
      const id = await redeliverWebhook(ctx, ctx.tenant.id, String(deliveryId));
      return ctx.db.notificationDelivery.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));
