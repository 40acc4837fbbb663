import { errorResponse, type Route } from '../src/server/http.ts';
import type { RateLimiter } from '../src/server/rate-limit.ts';
import type { GraphQLServer } from '../src/server/yoga.ts';
import { RestError, runOperation } from './graphql.ts';
import { readBody, readQuery } from './input.ts';
import { openApiDocument } from './openapi.ts';
import { routes, type RestRoute } from './appxen/routes.ts';

/** The documented base URL's path: every route is served there as well as at the root. */
export const MOUNTS = ['', '/orchestrator'];

function handler(route: RestRoute, server: GraphQLServer, limiter: RateLimiter): Route['handle'] {
  return async (request, params) => {
    const wait = limiter.take(request);
    if (wait !== undefined) return errorResponse(429, 'Too many requests', `This API key is over its rate limit; retry in ${wait} s`, { 'retry-after': String(wait) });
    try {
      const query = readQuery(new URL(request.url), route.query ?? {});
      const body = route.body ? await readBody(request, route.body) : {};
      const result = await route.handle({ params, body, query, run: (document, variables) => runOperation(server, request, document, variables) });
      return route.status === 204 ? new Response(null, { status: 204 }) : Response.json(result, { status: route.status });
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      return Response.json({ error: error.error, detail: error.detail, ...error.extra }, { status: error.status, headers: error.headers });
    }
  };
}

/** The REST routes under each mount, and `/openapi.json` describing them. */
export function restRoutes(server: GraphQLServer, limiter: RateLimiter, publicUrl: string): Route[] {
  const document = JSON.stringify(openApiDocument(routes, publicUrl));
  const openapi = { method: 'GET', path: '/openapi.json', handle: () => new Response(document, { headers: { 'content-type': 'application/json' } }) };
  return MOUNTS.flatMap((mount) => [
    { ...openapi, path: `${mount}/openapi.json` },
    ...routes.map((route) => ({ method: route.method, path: `${mount}${route.path}`, handle: handler(route, server, limiter) })),
  ]);
}
