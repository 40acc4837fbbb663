import type { Plan } from '../compiler/plan.ts';
import type { ExecutionStatus, NotificationEvent } from '../store/events.ts';
import { newId } from '../store/ids.ts';
import type { Changes, ExecutionRow, Sql } from './transaction.ts';

/** A delivery's job: a job of an earlier round (before a manual redelivery) sends nothing. */
export interface NotifyJob {
  deliveryId: string;
  round: number;
}

/** A notification for the tenant's endpoints subscribed to its event, delivered once the transaction commits. */
export interface PendingNotification {
  tenantId: string;
  event: NotificationEvent;
  executionId: string | null;
  scheduleId: string | null;
  /** The Standard Webhooks envelope: `{type, timestamp, data}`. */
  payload: { type: NotificationEvent; timestamp: string; data: Record<string, unknown> };
  /** The subscribed endpoints, asked for when the change was made (the pipeline answers it with the rest of the transaction). */
  endpoints: Promise<{ id: string }[]>;
}

/** A delivery row and its job, written in the transaction that made the change. */
export interface NewDelivery {
  id: string;
  endpointId: string;
  notification: PendingNotification;
}

/** Bodies stay small enough for any receiver; the whole output is one GraphQL or REST call away. */
export const OUTPUT_LIMIT = 32 * 1024;

/**
 * Notifies the tenant's endpoints subscribed to `event`. One indexed query (on the tenant) per
 * notification, never per step; with no endpoint subscribed, nothing else is written. (An execution's
 * status change asks only when its lock's read found an enabled endpoint of the tenant: see setStatus.)
 */
export function notify(sql: Sql, changes: Changes, notification: Omit<PendingNotification, 'endpoints' | 'payload'> & { data: Record<string, unknown>; at?: Date }): void {
  const { data, at = new Date(), ...rest } = notification;
  const endpoints = sql.query<{ id: string }>(`SELECT id FROM webhook_endpoints WHERE tenant_id = $1 AND enabled AND $2 = ANY(events)`, [rest.tenantId, rest.event]);
  // Awaited when the transaction's work is done; unheard until then, a failure would be "unhandled".
  endpoints.catch(() => {});
  changes.notifications.push({ ...rest, endpoints, payload: { type: rest.event, timestamp: at.toISOString(), data } });
}

/** Which events an execution's new status sends. */
function eventsOf(status: ExecutionStatus): NotificationEvent[] {
  if (status === 'completed') return ['execution.completed'];
  if (status === 'awaiting_approval') return ['execution.awaiting_approval'];
  if (status === 'failed') return ['execution.failed'];
  // A budget stop is a failure too: endpoints that only watch failures still hear of it.
  if (status === 'budget_exhausted') return ['execution.failed', 'execution.budget_exhausted'];
  return [];
}

export type NotifiedExecution = Pick<ExecutionRow, 'id' | 'tenantId' | 'workflowId' | 'recipeId'> & Partial<Pick<ExecutionRow, 'plan' | 'triggeredBy'>>;

/** The notifications of an execution's status change (none for `running` and `stopped`). */
export function notifyStatus(
  sql: Sql,
  changes: Changes,
  execution: NotifiedExecution,
  status: ExecutionStatus,
  details: { at: Date; error?: string; output?: string; stepsCompleted?: number },
): void {
  const events = eventsOf(status);
  if (!events.length) return;
  const output = details.output;
  const data: Record<string, unknown> = {
    execution_id: execution.id,
    name: (execution.plan as Plan | undefined)?.name ?? null,
    workflow_id: execution.workflowId,
    recipe_id: execution.recipeId,
    triggered_by: execution.triggeredBy ?? null,
    // Receivers know the documented statuses: a budget stop is `failed`, its error says why.
    status: status === 'budget_exhausted' ? 'failed' : status,
    error: details.error ?? null,
    ...(status === 'completed' ? { output: output === undefined ? null : output.slice(0, OUTPUT_LIMIT), output_truncated: (output?.length ?? 0) > OUTPUT_LIMIT } : {}),
    ...(details.stepsCompleted === undefined ? {} : { steps_completed: details.stepsCompleted }),
    ...(status === 'awaiting_approval' ? {} : { completed_at: details.at.toISOString() }),
  };
  for (const event of events) notify(sql, changes, { tenantId: execution.tenantId, event, executionId: execution.id, scheduleId: null, data, at: details.at });
}

/** The deliveries the transaction's notifications make: one per subscribed endpoint. */
export async function deliveriesOf(notifications: PendingNotification[]): Promise<NewDelivery[]> {
  const found = await Promise.all(notifications.map((notification) => notification.endpoints));
  return notifications.flatMap((notification, index) => found[index].map((endpoint) => ({ id: newId('whd'), endpointId: endpoint.id, notification })));
}

/**
 * jsonb refuses what JSON.stringify writes for a lone surrogate or a NUL (`\ud83d`, `\u0000`), and a
 * refused statement would undo the status change itself; an output cut at the size limit may end in
 * half a surrogate pair. Such characters become U+FFFD.
 */
const LONE_SURROGATE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\0/g;
const storable = (_key: string, value: unknown) => (typeof value === 'string' ? value.replace(LONE_SURROGATE_OR_NUL, '\uFFFD') : value);

/** Writes the deliveries in one statement; sent now, awaited at commit. */
export function writeDeliveries(sql: Sql, changes: Changes, deliveries: NewDelivery[]): void {
  changes.write(
    sql.query(
      `INSERT INTO notification_deliveries (id, tenant_id, endpoint_id, event, execution_id, schedule_id, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`,
      [
        deliveries.map((delivery) => delivery.id),
        deliveries.map((delivery) => delivery.notification.tenantId),
        deliveries.map((delivery) => delivery.endpointId),
        deliveries.map((delivery) => delivery.notification.event),
        deliveries.map((delivery) => delivery.notification.executionId),
        deliveries.map((delivery) => delivery.notification.scheduleId),
        deliveries.map((delivery) => JSON.stringify(delivery.notification.payload, storable)),
      ],
    ),
  );
}
