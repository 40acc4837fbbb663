import { createServer, type Server } from 'node:http';
import type { Metrics } from '../telemetry/metrics.ts';

// /metrics takes no credentials, as Prometheus scrapes: it holds no tenant's data (no tenant, workflow
// or execution appears in it; models are the only open label). Keep it off a public port with
// BATON_METRICS_PORT, or turn it off with BATON_METRICS=false.

/** `GET /metrics` on the API's port: the Prometheus text exposition. */
export function metricsHandler(metrics: Metrics) {
  return async (): Promise<Response> => {
    const { contentType, text } = await metrics.exposition();
    return new Response(text, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
  };
}

/** A listener of its own that serves only `GET /metrics` (BATON_METRICS_PORT): worker-only processes have no other. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    // The path without its query, read as written: no URL parsing, so no request target can make it throw.
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      (error: Error) => {
        console.error('metrics:', error.message);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics could not be read\n');
      },
    );
  });
}
