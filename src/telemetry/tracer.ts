import { context, SpanStatusCode, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** Tracing as it runs in this process (set by telemetry/trace-sdk.ts). */
export interface ActiveTracing {
  tracer: Tracer;
  /** The next span started gets these ids: an execution's span, whose ids its steps' spans already name as their parent's. */
  assignIds(ids: { traceId: string; spanId: string }): void;
}

/**
 * Held here rather than taken from the global API: every place that makes spans asks for it first,
 * so with tracing off a span costs one check and no attribute is ever computed; and the API's proxy
 * tracers keep the first provider they saw, while a process (a test) may start tracing, stop it and
 * start it again.
 */
let current: ActiveTracing | undefined;

export const activeTracing = (): ActiveTracing | undefined => current;

export const activeTracer = (): Tracer | undefined => current?.tracer;

export function useTracing(tracing: ActiveTracing | undefined): void {
  current = tracing;
}

/** Marks a span failed with what was thrown. */
export function failSpan(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
}

/**
 * Runs `work` inside a new span (a child of `parent`, or of the active span), ending it when the
 * work settles and marking it failed if the work throws. With tracing off it only runs `work`.
 */
export async function inSpan<T>(name: string, options: SpanOptions, parent: Context | undefined, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  const tracer = current?.tracer;
  if (!tracer) return work(undefined);
  const base = parent ?? context.active();
  const span = tracer.startSpan(name, options, base);
  try {
    return await context.with(trace.setSpan(base, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `work` with `span` as the active span, so the spans it makes are its children; without a span, just runs it. */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), work) : work();
}
