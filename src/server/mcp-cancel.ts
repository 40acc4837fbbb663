import type { PubSub } from '../store/pubsub.ts';

/** Names one tool call: its tenant, the client's MCP session and the call's JSON-RPC id. */
export interface CallRef {
  tenantId: string;
  sessionId: string | undefined;
  requestId: string | number;
}

const keyOf = ({ tenantId, sessionId, requestId }: CallRef) => `${tenantId}:${sessionId}:${JSON.stringify(requestId)}`;

/**
 * In stateless Streamable HTTP each POST has a server of its own, so a client's
 * `notifications/cancelled` arrives at a server that never saw the call, maybe in another process.
 * It is published under the call's key; the call, waiting anywhere, hears it through this signal.
 * Without a session id the call cannot be named: only the client closing its stream ends the wait.
 */
export async function cancellable(pubsub: PubSub, call: CallRef, signal: AbortSignal): Promise<{ signal: AbortSignal; release(): void }> {
  if (!call.sessionId) return { signal, release: () => {} };
  const cancelled = new AbortController();
  const subscription = pubsub.subscribe('mcpCallCancelled', keyOf(call));
  void (async () => {
    for await (const _ of subscription) return cancelled.abort();
  })().catch(() => {});
  // With the transport away (Redis down) only this notification is lost; the call goes on.
  await subscription.ready.catch(() => {});
  return { signal: AbortSignal.any([signal, cancelled.signal]), release: () => void subscription.return?.() };
}

/** Publishes a client's cancellation of one of its calls. */
export function cancelCall(pubsub: PubSub, call: CallRef, reason: string | null): Promise<void> {
  if (!call.sessionId) return Promise.resolve();
  return pubsub.publish('mcpCallCancelled', keyOf(call), { reason });
}
