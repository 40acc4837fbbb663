import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context } from '@opentelemetry/api';
import { activeTracing } from './tracer.ts';

// One trace per execution, although an execution runs as many jobs, in whichever worker processes
// take them, and may wait days for an approval. The trace id and the execution span's id are derived
// from the execution id (a hash), so each step attempt's span, made wherever the step runs, names the
// execution span as its parent without reading or storing anything. The execution span itself is
// emitted once, by the process whose transaction ends the execution, with the execution's start as
// its start time: a span held open for the whole run would be lost with the process holding it.

/** The ids of an execution's trace and of its span. */
export function executionIds(executionId: string): { traceId: string; spanId: string } {
  const hex = createHash('sha256').update(`baton execution ${executionId}`).digest('hex');
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48) };
}

/** A context whose parent is the execution's span: spans started in it belong to the execution's trace. */
export function executionContext(executionId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { ...executionIds(executionId), traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

export interface EndedExecution {
  executionId: string;
  /** The workflow's or recipe's name (the plan's). */
  name: string;
  status: 'completed' | 'failed' | 'stopped';
  error?: string;
  startedAt: Date;
  attributes: Attributes;
}

/** Emits the span of a finished execution (GenAI's `invoke_workflow`), the root of its trace; called once its end has committed. */
export function traceExecutionEnd(execution: EndedExecution): void {
  const tracing = activeTracing();
  if (!tracing) return;
  tracing.assignIds(executionIds(execution.executionId));
  const span = tracing.tracer.startSpan(
    `invoke_workflow ${execution.name}`,
    {
      kind: SpanKind.INTERNAL,
      root: true,
      startTime: execution.startedAt,
      attributes: {
        'gen_ai.operation.name': 'invoke_workflow',
        'gen_ai.workflow.name': execution.name,
        'baton.execution.id': execution.executionId,
        'baton.execution.status': execution.status,
        ...execution.attributes,
      },
    },
    ROOT_CONTEXT,
  );
  if (execution.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: execution.error ?? 'failed' });
  // Ended now, once the change that finished it has committed: its last step's span ends while that
  // change is being written, and a parent should not end before its children.
  span.end();
}
