import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, requestIds } from './request-id.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';

/** A route answers a Fetch API Request; the REST layer, health and GraphQL all share this shape. */
export type Handler = (request: Request, params: Record<string, string>) => Promise<Response> | Response;

export interface Route {
  method: string;
  /** `/workflows/:id` style; `*` matches any method. */
  path: string;
  handle: Handler;
}

export function errorResponse(status: number, error: string, detail: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error, detail }, { status, headers });
}

function match(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== '*' && route.method !== method) return undefined;
  const want = route.path.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

const isStream = (response: Response) => /^(text\/event-stream|multipart\/mixed)/.test(response.headers.get('content-type') ?? '');

async function send(response: Response, res: ServerResponse, streams: Set<() => void>): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.appendHeader(name, value));
  if (!response.body) return void res.end();
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  // A client that goes away (e.g. leaves a GraphQL-over-SSE stream) cancels the producer.
  res.once('close', cancel);
  // Streams never finish by themselves, so shutdown ends them; other responses are left to finish.
  if (isStream(response)) streams.add(cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      res.write(value);
    }
  } finally {
    streams.delete(cancel);
  }
  res.end();
}

export interface Listener {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * For shutdown: ends every streaming response (SSE subscriptions) cleanly, and closes each
   * keep-alive connection once its current response is sent.
   */
  drain(): void;
}

/**
 * The node:http listener: buffers the body under a size limit (413 beyond it), runs the first
 * matching route inside the request's id scope, and streams the Response back.
 */
export function createListener(routes: Route[], bodyLimit: number): Listener {
  const streams = new Set<() => void>();
  let draining = false;
  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || newRequestId();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    let response: Response;
    try {
      const body = await readBody(req, bodyLimit);
      const request = new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body });
      response = await requestIds.run(requestId, async () => {
        for (const route of routes) {
          const params = match(route, req.method ?? 'GET', url.pathname);
          if (params) return route.handle(request, params);
        }
        return errorResponse(404, 'Not found', `No route for ${req.method} ${url.pathname}`);
      });
    } catch (error) {
      if (error instanceof TooLarge) {
        response = errorResponse(413, 'Payload too large', `Request bodies are limited to ${bodyLimit} bytes`, { connection: 'close' });
      } else if (isConnectionFailure(error)) {
        const unavailable = new ServiceUnavailableError();
        response = errorResponse(unavailable.status, unavailable.message, unavailable.detail, { 'retry-after': String(ServiceUnavailableError.retryAfter) });
      } else {
        console.error(`[${requestId}] ${req.method} ${url.pathname}:`, error);
        response = errorResponse(500, 'Internal server error', `Unexpected error; quote request id ${requestId}`);
      }
    }
    await send(response, res, streams).catch((error) => {
      console.error(`[${requestId}] writing the response failed:`, (error as Error).message);
      res.destroy();
    });
    if (draining) req.socket.end();
  };
  const drain = () => {
    draining = true;
    streams.forEach((cancel) => cancel());
  };
  return Object.assign(listener, { drain });
}
