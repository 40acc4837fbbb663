import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { context, propagation, trace } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, RandomIdGenerator, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TracingSettings } from '../env.ts';
import { useTracing } from './tracer.ts';

// Loaded only when an OTLP endpoint is configured (app.ts imports this module on demand): without
// one, Baton never loads the SDK, and @opentelemetry/api alone makes no spans.

/** Random ids, except for a span whose ids were assigned (an execution's: see execution-trace.ts). */
class Ids implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private assigned: { traceId?: string; spanId?: string } = {};

  assign(ids: { traceId: string; spanId: string }): void {
    this.assigned = { ...ids };
  }

  generateTraceId(): string {
    const id = this.assigned.traceId;
    this.assigned.traceId = undefined;
    return id ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    const id = this.assigned.spanId;
    this.assigned.spanId = undefined;
    return id ?? this.random.generateSpanId();
  }
}

/**
 * The exporter, saying when exports fail: once, and once more when they work again, rather than at
 * every batch while the collector is away (the SDK alone says nothing). Spans of failed exports are lost.
 */
function reporting(exporter: SpanExporter, url: string): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        // 0: ExportResultCode.SUCCESS (@opentelemetry/core).
        const failed = result.code !== 0;
        if (failed && !failing) console.error(`exporting spans to ${url} failed (said once until it works again):`, result.error?.message ?? 'no reason given');
        else if (!failed && failing) console.error(`exporting spans to ${url} works again`);
        failing = failed;
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

export interface Tracing {
  /** Exports the spans still buffered, then stops tracing in this process. */
  shutdown(): Promise<void>;
}

/** Apps sharing this process (tests run several) share its tracing; the last to stop ends it. */
let shared: Promise<{ provider: NodeTracerProvider; users: number }> | undefined;

async function start(settings: TracingSettings) {
  const { OTLPTraceExporter } = settings.protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const ids = new Ids();
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName, 'service.version': version, 'service.instance.id': randomUUID() }),
    ),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    idGenerator: ids,
    // Small batches: encoding one holds the event loop, and the SDK's 512 spans at once held it long
    // enough to double the engine benchmark's p99 handoff (64: back within the day's noise).
    spanProcessors: [new BatchSpanProcessor(reporting(new OTLPTraceExporter({ url: settings.url, headers: settings.headers }), settings.url), { scheduledDelayMillis: settings.exportDelayMs, maxExportBatchSize: 64 })],
  });
  provider.register();
  useTracing({ tracer: provider.getTracer('baton', version), assignIds: (assigned) => ids.assign(assigned) });
  return { provider, users: 0 };
}

/**
 * Starts the OpenTelemetry SDK: spans batched and exported over OTLP/HTTP, W3C trace context taken
 * from incoming requests, the active span carried across awaits (AsyncLocalStorage). Every trace is
 * kept: sampling belongs in the collector, whose tail sampling can keep or drop an execution whole
 * (a head sampler here would decide for an execution's spans in each process apart).
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  const starting = (shared ??= start(settings));
  const running = await starting;
  running.users++;
  let stopped = false;
  return {
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (--running.users > 0) {
        await running.provider.forceFlush();
        return;
      }
      if (shared === starting) shared = undefined;
      useTracing(undefined);
      await running.provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
