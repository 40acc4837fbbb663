import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { BatonError, ServiceUnavailableError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';
import type { Tenant } from '../tenancy/auth.ts';
import { authenticateCaller, requestCredentials } from './caller.ts';
import { clientAddress, type Handler } from './http.ts';
import { createMcpServer, type McpDeps } from './mcp-server.ts';
import type { RateLimiter } from './rate-limit.ts';
import { RateLimitedError } from './rate-limit.ts';

export interface McpEndpoint {
  handle: Handler;
  /** For shutdown: calls still waiting answer at once (execution id and status), then this resolves once every answer is sent. */
  drain(): Promise<void>;
}

export interface McpRouteOptions {
  limiter: RateLimiter;
  /** Origins whose pages may call (BATON_CORS_ORIGINS, and PUBLIC_URL's own). */
  origins: string[];
}

/** An error before any MCP message is handled, as JSON-RPC says (id null) with the HTTP status it deserves. */
function rpcError(status: number, message: string, headers: Record<string, string> = {}, data?: unknown, code = -32000): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: { code, message, ...(data === undefined ? {} : { data }) } }, { status, headers });
}

const batonError = (error: BatonError) =>
  rpcError(error.status, `${error.message}: ${error.detail}`, {
    ...(error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfter) } : {}),
    ...(error instanceof ServiceUnavailableError ? { 'retry-after': String(ServiceUnavailableError.retryAfter) } : {}),
  }, { code: error.code, detail: error.detail });

/** The body as JSON when it is JSON; the transport answers anything else with its own parse error. */
async function parsed(request: Request): Promise<{ value: unknown } | undefined> {
  try {
    return { value: JSON.parse(await request.clone().text()) };
  } catch {
    return undefined;
  }
}

const messages = (body: { value: unknown } | undefined) => (body === undefined ? [] : Array.isArray(body.value) ? body.value : [body.value]);

/** A session id the client sent, if it is one we could have issued (visible ASCII, bounded); else none. */
const sessionOf = (request: Request) => {
  const id = request.headers.get('mcp-session-id');
  return id && /^[\x21-\x7e]{1,128}$/.test(id) ? id : undefined;
};

/**
 * Passes the transport's answer on, and closes the request's server once the answer has been sent or
 * the client went away: closing aborts the signal of any call still running, so it stops waiting.
 */
function closingAfter(response: Response, headers: Headers, close: () => void): Response {
  if (!response.body) {
    close();
    return new Response(null, { status: response.status, headers });
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        controller.close();
      } catch (error) {
        controller.error(error);
      }
      close();
    },
    cancel(reason) {
      close();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers });
}

/**
 * `/mcp`: Baton as an MCP server over Streamable HTTP, stateless. Each POST is authenticated like
 * GraphQL (API key and tenant headers, the same rate limiter: each JSON-RPC request one operation)
 * and handled by a server and transport of its own, so any API process can answer any request. The
 * initialize answer carries a random `Mcp-Session-Id` that only names the client's calls, so that its
 * `notifications/cancelled` can reach a call waiting in any process; no state is kept for it.
 * GET (a server-to-client stream) and DELETE (ending a session) have nothing to do here: 405.
 */
export function mcpEndpoint(deps: McpDeps, { limiter, origins }: McpRouteOptions): McpEndpoint {
  const allowed = new Set(origins);
  const shutdown = new AbortController();
  const open = new Set<Promise<void>>();
  const handle: Handler = async (request) => {
    // A browser page of another origin (DNS rebinding, or any site) must not drive the server.
    const origin = request.headers.get('origin');
    if (origin && !allowed.has(origin)) return rpcError(403, `Forbidden: pages of ${origin.slice(0, 200)} may not call this server (see BATON_CORS_ORIGINS)`);
    if (request.method !== 'POST') return rpcError(405, 'Method not allowed: this server is stateless and answers POST only', { allow: 'POST' });
    let tenant: Tenant;
    let body: { value: unknown } | undefined;
    try {
      tenant = await authenticateCaller(deps.pool, limiter, requestCredentials(request.headers), clientAddress(request));
      body = await parsed(request);
      if (Array.isArray(body?.value) && body.value.length === 0) return rpcError(400, 'Invalid Request: an empty batch', {}, undefined, -32600);
      const requests = messages(body).filter((message) => isJSONRPCRequest(message)).length;
      for (let counted = 1; counted < requests; counted++) await limiter.take(`tenant:${tenant.id}`);
    } catch (error) {
      const expected = isConnectionFailure(error) ? new ServiceUnavailableError() : error;
      if (expected instanceof BatonError) return batonError(expected);
      throw error;
    }
    const initializing = messages(body).some((message) => isInitializeRequest(message));
    const server = createMcpServer(deps, { tenant, sessionId: initializing ? undefined : sessionOf(request), shutdown: shutdown.signal });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    open.add(done);
    const close = () => {
      open.delete(done);
      answered();
      void server.close().catch(() => {});
    };
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(request, body && { parsedBody: body.value });
      const headers = new Headers(response.headers);
      if (initializing && response.ok) headers.set('mcp-session-id', randomUUID());
      return closingAfter(response, headers, close);
    } catch (error) {
      close();
      throw error;
    }
  };
  return {
    handle,
    async drain() {
      shutdown.abort();
      await Promise.all([...open]);
    },
  };
}
