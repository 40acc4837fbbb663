import type { IncomingMessage } from 'node:http';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { activeTracer } from '../telemetry/tracer.ts';

/** Probes and scrapes, every few seconds from machines: spans of them would drown the rest. */
const UNTRACED = new Set(['/healthz', '/metrics']);

/**
 * A SERVER span for one HTTP request, when tracing (not of /healthz and /metrics); it continues the caller's trace when the request
 * carries a W3C `traceparent`. The query string is never recorded, and a path with parameters is
 * recorded as its route (`/s/:slug`): share slugs and webhook ids are capabilities.
 */
export function startRequestSpan(req: IncomingMessage): Span | undefined {
  const tracer = activeTracer();
  if (!tracer || UNTRACED.has((req.url ?? '').split('?', 1)[0])) return undefined;
  const method = req.method ?? 'GET';
  return tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'url.scheme': 'http',
        'network.protocol.version': req.httpVersion,
        ...(req.headers['user-agent'] ? { 'user_agent.original': req.headers['user-agent'] } : {}),
      },
    },
    propagation.extract(ROOT_CONTEXT, req.headers),
  );
}

/** Ends a request's span with its answer's status and the route that served it (none when no route matched). */
export function endRequestSpan(span: Span | undefined, answered: { method: string; path: string; route: string | undefined; status: number }): void {
  if (!span) return;
  const { method, path, route, status } = answered;
  span.setAttributes({ 'url.path': route?.includes(':') ? route : path, 'http.response.status_code': status, ...(route ? { 'http.route': route } : {}) });
  // Named by route, a small set, as the HTTP conventions ask: never by path.
  if (route) span.updateName(`${method} ${route}`);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
