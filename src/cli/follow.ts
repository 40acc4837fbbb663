import { setTimeout as delay } from 'node:timers/promises';
import { graphql } from '../generated/graphql/gql.ts';
import type { ExecutionEventKind } from '../generated/graphql/graphql.ts';
import { ConnectionLost, type Api } from './api.ts';
import { keyOf } from './executions.ts';

const CliExecutionEvents = graphql(`
  subscription CliExecutionEvents($executionId: ID!, $afterSeq: Int) {
    executionEvents(executionId: $executionId, afterSeq: $afterSeq) {
      seq
      kind
      at
      payload
    }
  }
`);

export interface Event {
  /** null for a live token delta (never stored). */
  seq: number | null;
  kind: ExecutionEventKind;
  at: string;
  payload: Record<string, unknown>;
}

/** How long a follower keeps trying to get its connection back before giving up. */
const RECONNECT_FOR_MS = 60_000;

/**
 * Delivers an execution's events after `afterSeq`, stored then live, until it finishes. A lost
 * connection (server restart, network, falling behind) is resumed from the last stored event seen,
 * so none is missed or repeated.
 */
export async function followEvents(api: Api, executionId: string, afterSeq: number, onEvent: (event: Event) => void, onReconnecting?: (reason: string) => void): Promise<void> {
  let last = afterSeq;
  let lostSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await api.subscribe(CliExecutionEvents, { executionId, afterSeq: last }, ({ executionEvents: event }) => {
        lostSince = undefined;
        if (event.seq !== null && event.seq !== undefined) {
          if (event.seq <= last) return;
          last = event.seq;
        }
        onEvent(event as Event);
      });
      return;
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      lostSince ??= Date.now();
      if (Date.now() - lostSince > RECONNECT_FOR_MS) throw error;
      onReconnecting?.(error.message);
      await delay(Math.min(250 * 2 ** Math.min(attempt, 4), 4000));
    }
  }
}

/** `STEP_AWAITING_APPROVAL` → `step.awaiting_approval`, the name the events are stored and documented under. */
export const eventName = (kind: ExecutionEventKind) => kind.toLowerCase().replace('_', '.');

/** One line describing a stored event: what happened, to which step, and why. */
export function describeEvent({ kind, payload }: Pick<Event, 'kind' | 'payload'>): string {
  const parts: string[] = [eventName(kind)];
  if (typeof payload.stepId === 'string') parts.push(keyOf(payload.stepId, payload.itemIndex as number | null));
  if (typeof payload.attempt === 'number' && payload.attempt > 1) parts.push(`attempt ${payload.attempt}`);
  if (typeof payload.items === 'number' && kind === 'STEP_STARTED') parts.push(`${payload.items} items`);
  if (typeof payload.delayMs === 'number') parts.push(`retry in ${payload.delayMs} ms`);
  for (const field of ['reason', 'error'] as const) if (typeof payload[field] === 'string') parts.push(`— ${payload[field]}`);
  return parts.join(' ');
}
