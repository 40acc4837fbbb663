import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { executionContext } from '../telemetry/execution-trace.ts';
import { activeTracer } from '../telemetry/tracer.ts';
import type { Claim } from './advance.ts';

/**
 * The span of one step attempt (GenAI's `invoke_agent`), when tracing: a child of its execution's
 * span wherever it runs, whichever job or record claimed it; its model requests and tool calls are
 * its children.
 */
export function startAttemptSpan({ job, step, agent, modelId }: Claim): Span | undefined {
  return activeTracer()?.startSpan(
    `invoke_agent ${agent.name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.id': agent.id,
        'gen_ai.agent.name': agent.name,
        'gen_ai.request.model': modelId,
        'baton.execution.id': job.executionId,
        'baton.step.id': job.stepId,
        'baton.step.title': step.title,
        'baton.step.item_index': job.itemIndex,
        'baton.step.attempt': job.attempt,
      },
    },
    executionContext(job.executionId),
  );
}

/**
 * Ends an attempt's span: `completed` or `failed` (with why) once its record is sent, `interrupted`
 * when it was cut short and left to another attempt (not claimed, or this worker stopping).
 */
export function endAttemptSpan(span: Span | undefined, outcome: 'completed' | 'failed' | 'interrupted', failure?: string): void {
  if (!span) return;
  span.setAttribute('baton.step.outcome', outcome);
  if (failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  span.end();
}
