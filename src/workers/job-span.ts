import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { executionContext } from '../telemetry/execution-trace.ts';
import { activeTracer, inSpan } from '../telemetry/tracer.ts';

/**
 * Runs one pg-boss job in a span (messaging's `process <queue>`), when tracing. A job of an
 * execution (its data names one) belongs to the execution's trace; any other job starts a trace.
 */
export function inJobSpan(queue: string, job: { id: string; data: object }, run: () => Promise<void>): Promise<void> {
  if (!activeTracer()) return run();
  const executionId = (job.data as { executionId?: unknown }).executionId;
  const ofExecution = typeof executionId === 'string';
  const attributes = {
    'messaging.system': 'pg-boss',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
    'messaging.message.id': job.id,
    ...(ofExecution ? { 'baton.execution.id': executionId } : {}),
  };
  return inSpan(`process ${queue}`, { kind: SpanKind.CONSUMER, attributes }, ofExecution ? executionContext(executionId) : ROOT_CONTEXT, () => run());
}
