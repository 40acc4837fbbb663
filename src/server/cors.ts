const ALLOWED_HEADERS = 'authorization, content-type, accept, x-api-key, x-tenant-id, x-workspace-id, x-request-id, mcp-session-id, mcp-protocol-version, last-event-id';
const EXPOSED_HEADERS = 'retry-after, x-request-id, mcp-session-id';

/**
 * CORS by allow-list: a page of a listed origin may call the API (credentials are headers, never
 * cookies, so no `allow-credentials`); any other origin gets no CORS headers and the browser keeps
 * its answer from the page. With no list, only same-origin pages (the dashboard, GraphiQL) call it.
 */
export function corsPolicy(origins: string[]) {
  const allowed = new Set(origins);
  const headersFor = (request: Request): Record<string, string> => {
    const origin = request.headers.get('origin');
    return origin && allowed.has(origin) ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' } : {};
  };
  return {
    /** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`), else undefined. */
    preflight(request: Request): Response | undefined {
      if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return undefined;
      const headers = headersFor(request);
      if (headers['access-control-allow-origin']) {
        Object.assign(headers, { 'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' });
      }
      return new Response(null, { status: 204, headers: { ...headers, vary: 'Origin' } });
    },
    /** The CORS headers a listed origin's request gets. */
    headers: headersFor,
  };
}
