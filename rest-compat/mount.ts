import type { Route } from '../src/server/http.ts';
import type { GraphQLServer } from '../src/server/yoga.ts';
import { RestError, runOperation } from './graphql.ts';
import { readBody, readQuery } from './input.ts';
import { openApiDocument } from './openapi.ts';
import type { RestProduct, RestRoute } from './route.ts';
import * as appxen from './appxen/routes.ts';
import * as appxenSchemas from './appxen/schemas.ts';
import * as appxenForkSchemas from './appxen/fork-schemas.ts';
import * as automatos from './automatos/routes.ts';
import * as automatosSchemas from './automatos/schemas.ts';
import * as automatosExecutionSchemas from './automatos/execution-schemas.ts';
import * as automatosToolServerSchemas from './automatos/tool-server-schemas.ts';
import * as automatosWebhookEndpointSchemas from './automatos/webhook-endpoint-schemas.ts';
import * as automatosDashboardSchemas from './automatos/dashboard-schemas.ts';
import * as automatosQualitySchemas from './automatos/quality-schemas.ts';
import * as automatosMarketplaceSchemas from './automatos/marketplace-schemas.ts';

/**
 * The two product documents' APIs. The first's documented base path is /orchestrator, and every
 * route is served there as well as at the root; the second's paths start with /api.
 */
export const PRODUCTS: RestProduct[] = [
  { routes: appxen.routes, mounts: ['', '/orchestrator'], schemas: { ...appxenSchemas, ...appxenForkSchemas } },
  { routes: automatos.routes, mounts: [''], schemas: { ...automatosSchemas, ...automatosExecutionSchemas, ...automatosToolServerSchemas, ...automatosWebhookEndpointSchemas, ...automatosDashboardSchemas, ...automatosQualitySchemas, ...automatosMarketplaceSchemas } },
];

function handler(route: RestRoute, server: GraphQLServer, publicUrl: string): Route['handle'] {
  return async (request, params) => {
    try {
      const query = route.query ? readQuery(new URL(request.url), route.query) : {};
      const body = route.body ? await readBody(request, route.body) : {};
      const result = await route.handle({ params, body, query, publicUrl, run: (document, variables) => runOperation(server, request, document, variables) });
      return route.status === 204 ? new Response(null, { status: 204 }) : Response.json(result, { status: route.status });
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      return Response.json({ error: error.error, detail: error.detail, ...error.extra }, { status: error.status, headers: error.headers });
    }
  };
}

/** Every product's routes under each of its mounts, and `/openapi.json` describing them all. */
export function restRoutes(server: GraphQLServer, publicUrl: string): Route[] {
  const document = JSON.stringify(openApiDocument(PRODUCTS, publicUrl));
  const openapi = { method: 'GET', path: '/openapi.json', handle: () => new Response(document, { headers: { 'content-type': 'application/json' } }) };
  return [
    openapi,
    { ...openapi, path: '/orchestrator/openapi.json' },
    ...PRODUCTS.flatMap(({ routes, mounts }) => mounts.flatMap((mount) => routes.map((route) => ({ method: route.method, path: `${mount}${route.path}`, handle: handler(route, server, publicUrl) })))),
  ];
}
