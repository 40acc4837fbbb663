import { SpanKind, type Span } from '@opentelemetry/api';
import type { Metrics, TokenUsage } from '../telemetry/metrics.ts';
import { activeTracer, failSpan } from '../telemetry/tracer.ts';
import { estimateCost, type PriceTable } from './prices.ts';

/** What a model request is measured with: prices for its cost, and the process's metrics (unless BATON_METRICS is off). */
export interface ModelTelemetry {
  prices: PriceTable;
  metrics?: Metrics;
}

export interface ModelRequest {
  /** `gen_ai.provider.name`: `anthropic`, or `baton` for the offline model. */
  provider: string;
  model: string;
  maxTokens: number;
  temperature: number | null;
}

export interface ModelAnswer extends TokenUsage {
  /** The model that answered. */
  model: string;
  id?: string;
  finishReason?: string | null;
}

/**
 * One request to a model, measured: a span following the OpenTelemetry GenAI conventions (`chat
 * <model>`, with the request, the answer, its tokens and its estimated cost, `baton.cost_usd`) when
 * tracing, and the token, cost and request counters. `send` makes the request; `answerOf` reads
 * the answer's model and usage.
 */
export async function modelRequest<T>(telemetry: ModelTelemetry, request: ModelRequest, send: () => Promise<T>, answerOf: (result: T) => ModelAnswer): Promise<T> {
  const tracer = activeTracer();
  if (!tracer && !telemetry.metrics) return send();
  const span = tracer?.startSpan(`chat ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': request.provider,
      // The name older GenAI conventions used, which some backends still read.
      'gen_ai.system': request.provider,
      'gen_ai.request.model': request.model,
      'gen_ai.request.max_tokens': request.maxTokens,
      ...(request.temperature === null ? {} : { 'gen_ai.request.temperature': request.temperature }),
    },
  });
  try {
    const result = await send();
    const answer = answerOf(result);
    const cost = estimateCost(telemetry.prices, answer.model, answer);
    telemetry.metrics?.modelAnswered(answer.model, answer, cost);
    if (span) describeAnswer(span, answer, cost);
    return result;
  } catch (error) {
    if (span) failSpan(span, error);
    throw error;
  } finally {
    span?.end();
  }
}

function describeAnswer(span: Span, answer: ModelAnswer, cost: number): void {
  span.setAttributes({
    'gen_ai.response.model': answer.model,
    ...(answer.id ? { 'gen_ai.response.id': answer.id } : {}),
    ...(answer.finishReason ? { 'gen_ai.response.finish_reasons': [answer.finishReason] } : {}),
    // The conventions count cached input in the input tokens, and say how much of it was cached apart.
    'gen_ai.usage.input_tokens': answer.tokensIn + answer.tokensCacheRead + answer.tokensCacheWrite,
    'gen_ai.usage.output_tokens': answer.tokensOut,
    'gen_ai.usage.cache_read.input_tokens': answer.tokensCacheRead,
    'gen_ai.usage.cache_creation.input_tokens': answer.tokensCacheWrite,
    'baton.cost_usd': cost,
  });
}
