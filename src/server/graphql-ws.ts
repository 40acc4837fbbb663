import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { authenticate, type Tenant } from '../tenancy/auth.ts';
import { ServiceUnavailableError, UnauthenticatedError } from '../errors.ts';
import { addressOf } from './http.ts';
import { RateLimitedError, type RateLimiter } from './rate-limit.ts';
import type pg from 'pg';
import { maskError, type GraphQLServer } from './yoga.ts';
import { unsafeVariables } from './graphql-text-hygiene.ts';
import { subscribeShared } from './shared-subscription-results.ts';
import { newRequestId, requestIds } from './request-id.ts';

type Extra = {
  tenant?: Tenant;
  clientAddress?: string;
};

type Enveloped = ReturnType<GraphQLServer['getEnveloped']>;
interface Root {
  execute: Enveloped['execute'];
  /** Subscribers with equal keys (tenant, document, variables) share each event's result. */
  key: string;
}

const header = (params: Record<string, unknown>, name: string) => {
  const value = params[name] ?? params[name.toLowerCase()] ?? params[name.replace(/^x-/, '')];
  return typeof value === 'string' ? value : null;
};

/**
 * graphql-ws on the HTTP server's port and path. Credentials travel in `connection_init`
 * (`{ authorization, "x-tenant-id" }`); bad ones close the socket with 4401. Operations run through
 * yoga's envelop so they share its schema, context and error masking.
 */
export function attachGraphQLWebSocket(server: Server, yoga: GraphQLServer, pool: pg.Pool, { limiter, trustProxy }: { limiter: RateLimiter; trustProxy: boolean }): WebSocketServer {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  useServer<Record<string, unknown> | undefined, Extra>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const address = addressOf(ctx.extra.request, trustProxy);
        ctx.extra.clientAddress = address;
        try {
          await limiter.checkAddress(address);
          ctx.extra.tenant = await authenticate(pool, {
            authorization: header(params, 'authorization') ?? header(params, 'Authorization'),
            apiKey: header(params, 'x-api-key'),
            tenantId: header(params, 'x-tenant-id') ?? header(params, 'x-workspace-id'),
          });
          return true;
        } catch (error) {
          if (error instanceof RateLimitedError) ctx.extra.socket.close(4429, 'Too many failed authentications');
          // A database outage is no bad key: 1013 (try again later), which clients retry.
          else if (error instanceof ServiceUnavailableError) ctx.extra.socket.close(1013, 'Service unavailable');
          else {
            if (error instanceof UnauthenticatedError) await limiter.failed(address);
            ctx.extra.socket.close(4401, 'Unauthorized');
          }
          return false;
        }
      },
      execute: (args: ExecutionArgs) => requestIds.run(newRequestId(), () => (args.rootValue as Root).execute(args)),
      subscribe: (args: ExecutionArgs) =>
        requestIds.run(newRequestId(), () => subscribeShared({ ...args, rootValue: undefined }, (args.rootValue as Root).key, (error) => maskError(error) as GraphQLError)),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          tenant: ctx.extra.tenant,
          clientAddress: ctx.extra.clientAddress,
        });
        const refused = unsafeVariables(payload.variables);
        if (refused) return [refused];
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue;
        try {
          // Counts the operation against the tenant's rate limit.
          contextValue = await contextFactory();
        } catch (error) {
          return [error instanceof GraphQLError ? error : maskError(error) as GraphQLError];
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, key: JSON.stringify([ctx.extra.tenant?.id, payload.query, payload.operationName, payload.variables]) } satisfies Root,
        };
      },
    },
    wss,
  );
  return wss;
}
