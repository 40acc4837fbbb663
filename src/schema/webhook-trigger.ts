import { builder } from '../builder.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { createWebhookTrigger, deleteWebhookTrigger } from '../library/webhook-triggers.ts';

builder.prismaNode('WebhookTrigger', {
  description: "An inbound webhook of a markdown workflow: a POST to its `url` starts the workflow with the body as inputs (`triggeredBy: \"webhook\"`). The id (128 random bits) is the only credential the sender needs; the secret, if any, is never shown.",
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  select: { id: true, workflowId: true, secret: true, createdAt: true },
  fields: (t) => ({
    workflowId: t.exposeID('workflowId'),
    url: t.string({ description: 'Where senders POST (and GET to verify).', resolve: (trigger, _args, ctx) => `${ctx.publicUrl}/hooks/${trigger.id}` }),
    signed: t.boolean({ description: 'Whether deliveries must carry the HMAC-SHA256 signature of their body under the secret (`x-hub-signature-256` or `x-webhook-signature`).', resolve: (trigger) => trigger.secret !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  webhookTriggers: t.prismaField({
    type: ['WebhookTrigger'],
    description: "The tenant's webhook triggers (of one workflow with `workflowId`), oldest first.",
    args: { workflowId: t.arg.id() },
    resolve: (query, _root, { workflowId }, ctx) =>
      ctx.db.webhookTrigger.findMany({ ...query, where: { tenantId: ctx.tenant.id, ...(workflowId ? { workflowId: String(workflowId) } : {}) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 500 }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookTrigger: t.prismaField({
    type: 'WebhookTrigger',
    description: 'Gives a workflow an inbound webhook (a workflow may have several, e.g. one per sender). With `secret`, unsigned or wrongly signed deliveries are refused (401).',
    errors: { types: [NotFoundError, ValidationError] },
    args: { workflowId: t.arg.id({ required: true }), secret: t.arg.string({ description: 'The HMAC-SHA256 key senders sign with; stored encrypted, never returned.' }) },
    resolve: (_query, _root, { workflowId, secret }, ctx) => createWebhookTrigger(ctx.db, ctx.tenant.id, String(workflowId), secret, ctx.toolServerPolicy.secretKey),
  }),
  deleteWebhookTrigger: t.prismaField({
    type: 'WebhookTrigger',
    description: 'Deletes a webhook trigger (its URL answers 404 from now on) and returns it as it was.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => deleteWebhookTrigger(ctx.db, ctx.tenant.id, String(id)),
  }),
}));
