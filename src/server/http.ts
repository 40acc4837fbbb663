import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, requestIds } from './request-id.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';
import { corsPolicy } from './cors.ts';
import { htmlHeaders } from './html-headers.ts';
import { unsafeText } from './text-hygiene.ts';
import { endRequestSpan, startRequestSpan } from './request-span.ts';
import { withSpan } from '../telemetry/tracer.ts';

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

const addresses = new WeakMap<Request, string>();

/** The address a request came from (the proxy's last hop with `trustProxy`), for limits on anonymous callers. */
export const clientAddress = (request: Request) => addresses.get(request) ?? 'unknown';

export function addressOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').at(-1)?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'unknown';
}

/** A request the listener refuses before any route runs: 400 with what is wrong. */
class BadRequest extends Error {}

function decode(name: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new BadRequest(`The path parameter \`${name}\` is not valid percent-encoding: "${raw.slice(0, 100)}"`);
  }
  const unsafe = unsafeText(value, name);
  if (unsafe) throw new BadRequest(`The path parameter ${unsafe}`);
  return value;
}

function match(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== '*' && route.method !== method) return undefined;
  const want = route.path.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  for (let i = 0; i < want.length; i++) if (!want[i].startsWith(':') && want[i] !== got[i]) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) if (want[i].startsWith(':')) params[want[i].slice(1)] = decode(want[i].slice(1), got[i]);
  return params;
}

/** The request's URL; a Host header that is not a host falls back to localhost (links use PUBLIC_URL anyway). */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    try {
      return new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new BadRequest(`The request target is not a valid path: "${String(req.url).slice(0, 100)}"`);
    }
  }
}

class TooLarge extends Error {}

function toRequest(req: IncomingMessage, url: URL, body: Uint8Array<ArrayBuffer> | undefined): Request {
  try {
    return new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body });
  } catch (error) {
    // The Fetch API refuses some methods (CONNECT, TRACE, TRACK) that node:http lets through.
    throw new BadRequest(`The request cannot be served: ${(error as Error).message}`);
  }
}

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

async function send(response: Response, extra: Record<string, string>, res: ServerResponse, streams: Set<() => void>): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.appendHeader(name, value));
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
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
export interface ListenerOptions {
  bodyLimit: number;
  trustProxy: boolean;
  /** Origins whose pages may call the API (CORS). */
  corsOrigins: string[];
}

export function createListener(routes: Route[], { bodyLimit, trustProxy, corsOrigins }: ListenerOptions): Listener {
  const cors = corsPolicy(corsOrigins);
  const streams = new Set<() => void>();
  let draining = false;
  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || newRequestId();
    res.setHeader('x-request-id', requestId);
    const span = startRequestSpan(req);
    let url: URL | undefined;
    let request: Request | undefined;
    let served: Route | undefined;
    let response: Response;
    try {
      url = requestUrl(req);
      const body = await readBody(req, bodyLimit);
      request = toRequest(req, url, body);
      addresses.set(request, addressOf(req, trustProxy));
      const preflight = cors.preflight(request);
      response = preflight ?? await withSpan(span, () => requestIds.run(requestId, async () => {
        for (const route of routes) {
          const params = match(route, req.method ?? 'GET', url!.pathname);
          if (params) {
            served = route;
            return route.handle(request!, params);
          }
        }
        return errorResponse(404, 'Not found', `No route for ${req.method} ${url!.pathname}`);
      }));
    } catch (error) {
      if (error instanceof BadRequest) {
        response = errorResponse(400, 'Bad request', error.message);
      } else if (error instanceof TooLarge) {
        response = errorResponse(413, 'Payload too large', `Request bodies are limited to ${bodyLimit} bytes`, { connection: 'close' });
      } else if (isConnectionFailure(error)) {
        const unavailable = new ServiceUnavailableError();
        response = errorResponse(unavailable.status, unavailable.message, unavailable.detail, { 'retry-after': String(ServiceUnavailableError.retryAfter) });
      } else {
        console.error(`[${requestId}] ${req.method} ${url?.pathname ?? req.url}:`, error);
        response = errorResponse(500, 'Internal server error', `Unexpected error; quote request id ${requestId}`);
      }
    }
    const extra = { ...(request ? cors.headers(request) : {}), ...htmlHeaders(response) };
    await send(response, extra, res, streams).catch((error) => {
      console.error(`[${requestId}] writing the response failed:`, (error as Error).message);
      res.destroy();
    });
    endRequestSpan(span, { method: req.method ?? 'GET', path: url?.pathname ?? '', route: served?.path, status: response.status });
    if (draining) req.socket.end();
  };
  const drain = () => {
    draining = true;
    streams.forEach((cancel) => cancel());
  };
  return Object.assign(listener, { drain });
}
