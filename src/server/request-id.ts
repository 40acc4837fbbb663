import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The id of the request (or WebSocket operation) being served, for logs and masked errors. */
export const requestIds = new AsyncLocalStorage<string>();

export function newRequestId(): string {
  return randomUUID();
}
