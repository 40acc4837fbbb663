import { BatonError } from '../errors.ts';
import { deliveryIdOf, inputsOf, verifySignature } from '../triggers/webhook-request.ts';
import { findWebhook, type WebhookDeps, type WebhookTarget } from '../triggers/webhooks.ts';
import { startFromWebhook } from '../triggers/webhooks.ts';
import { clientAddress, errorResponse, type Route } from './http.ts';
import type { RateLimiter } from './rate-limit.ts';
import { RateLimitedError } from './rate-limit.ts';
import { unsafeText } from './text-hygiene.ts';

/**
 * The inbound webhook receivers: plain routes, not REST-API routes, because the signature is over
 * the raw bytes and the body is whatever the sender sends. No API key: the webhook id is the
 * capability. Unknown ids and bad signatures count as failed authentications of the address.
 */
export function webhookRoutes(deps: WebhookDeps, limiter: RateLimiter): Route[] {
  const failure = (error: unknown): Response => {
    if (!(error instanceof BatonError)) throw error;
    const headers: Record<string, string> = error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfter) } : {};
    return errorResponse(error.status, error.message, error.detail, headers);
  };

  const found = async (request: Request, kind: WebhookTarget['kind'], id: string): Promise<WebhookTarget> => {
    const address = clientAddress(request);
    await limiter.checkAddress(address);
    try {
      return await findWebhook(deps, kind, id);
    } catch (error) {
      await limiter.failed(address);
      throw error;
    }
  };

  const verify = (kind: WebhookTarget['kind']) => async (request: Request, { id }: Record<string, string>) => {
    try {
      const target = await found(request, kind, id);
      return Response.json({ status: 'ok', [kind]: target.name, webhook_id: target.webhookId, signed: target.secret !== null });
    } catch (error) {
      return failure(error);
    }
  };

  const receive = (kind: WebhookTarget['kind']) => async (request: Request, { id }: Record<string, string>) => {
    try {
      const target = await found(request, kind, id);
      await limiter.takeWebhook(target.webhookId);
      const body = new Uint8Array(await request.arrayBuffer());
      if (target.secret !== null) {
        try {
          verifySignature(request.headers, body, target.secret);
        } catch (error) {
          await limiter.failed(clientAddress(request));
          throw error;
        }
      }
      // GitHub's ping on creating a hook checks the URL and the secret; it is no event to run on.
      if (request.headers.get('x-github-event') === 'ping') return Response.json({ status: 'ok', [kind]: target.name, ping: true });
      const deliveryId = deliveryIdOf(request.headers);
      const inputs = inputsOf(request.headers, body);
      const unsafe = unsafeText(inputs, 'body') ?? (deliveryId && unsafeText(deliveryId, 'delivery id'));
      if (unsafe) return errorResponse(400, 'Invalid body', `The ${unsafe}`);
      const started = await startFromWebhook(deps, target, inputs, deliveryId);
      const execution = { execution_id: started.executionId, ...(kind === 'recipe' ? { recipe_execution_id: started.executionId } : {}) };
      if (started.repeated) return Response.json({ status: 'duplicate', ...execution, message: `Delivery ${deliveryId} was received before; it started ${started.executionId}, nothing new was started` });
      return Response.json({ status: 'started', ...execution, message: `${kind === 'recipe' ? 'Recipe' : 'Workflow'} ${target.name} started` }, { status: 202 });
    } catch (error) {
      return failure(error);
    }
  };

  return [
    { method: 'GET', path: '/api/webhooks/recipe/:id', handle: verify('recipe') },
    { method: 'POST', path: '/api/webhooks/recipe/:id', handle: receive('recipe') },
    { method: 'GET', path: '/hooks/:id', handle: verify('workflow') },
    { method: 'POST', path: '/hooks/:id', handle: receive('workflow') },
  ];
}
