import { PothosValidationError } from '@pothos/core';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { hasCredentials, type Tenant } from '../tenancy/auth.ts';
import { authenticateCaller, requestCredentials } from './caller.ts';
import { BatonError, ServiceUnavailableError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';
import type { RateLimiter } from './rate-limit.ts';
import { createContext, type Context } from './context.ts';
import type { ModelRegistry } from '../compiler/models.ts';
import type pg from 'pg';
import type { Db } from '../store/db.ts';
import type { PubSub } from '../store/pubsub.ts';
import type { Boss } from '../store/boss.ts';
import { requestIds } from './request-id.ts';
import { graphqlLimits, type GraphQLLimits } from './graphql-limits.ts';
import { schema } from '../schema/index.ts';
import { textHygiene } from './graphql-text-hygiene.ts';
import { refuseSseSingleConnection } from './sse-single-connection.ts';
import { GRAPHIQL_OPTIONS, graphiqlPage } from './graphiql-page.ts';
import { graphqlSpan } from './graphql-span.ts';

/** Set by the WebSocket server, which authenticates once per connection. */
export interface ServerContext {
  tenant?: Tenant;
  /** Where the request came from: the rate limit's key for anonymous and failing callers. */
  clientAddress?: string;
  /**
   * Set by the REST layer, in process, for its own fixed documents: their pages are bounded by the
   * REST routes' parameters, so the cost budget (meant for documents clients write) does not apply.
   */
  ownDocument?: boolean;
}

/** Only schema introspection runs without credentials, so GraphiQL can show the docs before a key is entered. */
function introspectionOnly(query: string | undefined): boolean {
  if (!query) return false;
  try {
    return parse(query).definitions.every(
      (definition) =>
        definition.kind !== Kind.OPERATION_DEFINITION ||
        (definition as OperationDefinitionNode).selectionSet.selections.every(
          (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'),
        ),
    );
  } catch {
    return false;
  }
}

/** An error maskError turns into an answer (expected) or logs itself (unexpected): yoga need not log it again. */
const isReported = (error: unknown) => error instanceof Error && (error instanceof GraphQLError || error instanceof BatonError || error instanceof PothosValidationError);

export function maskError(error: unknown): Error {
  const cause = error instanceof GraphQLError ? error.originalError : error;
  // A database outage or restart is no fault of the request: 503, and the client retries.
  const original = isConnectionFailure(cause) ? new ServiceUnavailableError() : cause;
  if (original instanceof BatonError) {
    const masked = original.toGraphQL();
    return error instanceof GraphQLError
      ? new GraphQLError(masked.message, { nodes: error.nodes, path: error.path, extensions: masked.extensions })
      : masked;
  }
  // Pothos's own argument checks (a malformed connection cursor, say) are the caller's mistake.
  if (original instanceof PothosValidationError) {
    return new GraphQLError(original.message, { path: error instanceof GraphQLError ? error.path : undefined, extensions: { code: 'BAD_REQUEST', detail: original.message, http: { status: 400 } } });
  }
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  const requestId = requestIds.getStore() ?? 'unknown';
  console.error(`[${requestId}] unexpected error:`, original);
  return new GraphQLError('Unexpected error', {
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId, http: { status: 500 } },
  });
}

export function createGraphQL(deps: Omit<Context, 'tenant' | 'requestId'> & { limiter: RateLimiter; limits: GraphQLLimits }) {
  const { limiter } = deps;
  /** The caller's tenant, every operation counted by the one rate limiter (HTTP, SSE and WebSocket alike). */
  const caller = async (initial: YogaInitialContext & ServerContext): Promise<Tenant | null> => {
    const address = initial.clientAddress ?? 'unknown';
    if (initial.tenant) {
      await limiter.take(`tenant:${initial.tenant.id}`);
      return initial.tenant;
    }
    const credentials = requestCredentials(initial.request.headers);
    if (!hasCredentials(credentials) && introspectionOnly(initial.params.query)) {
      await limiter.take(`address:${address}`);
      return null;
    }
    return authenticateCaller(deps.pool, limiter, credentials, address);
  };
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is the listener's, by allow-list, for every route (yoga's default echoes any origin).
    cors: false,
    // Yoga's own page loads GraphiQL from unpkg; this one serves it from the package, offline.
    graphiql: GRAPHIQL_OPTIONS,
    renderGraphiQL: graphiqlPage,
    maskedErrors: { maskError },
    // Yoga logs every error maskError rewrites; expected failures (a 404, a bad cursor) are answers,
    // not faults, and maskError itself logs the unexpected ones with their request id.
    logging: {
      debug: () => {},
      info: (...args: unknown[]) => console.info(...args),
      warn: (...args: unknown[]) => console.warn(...args),
      error: (...args: unknown[]) => {
        if (!args.some(isReported)) console.error(...args);
      },
    },
    // Limits first: a document over them is refused before anything else looks at it (a request of
    // SSE's single connection mode has no document to look at).
    plugins: [refuseSseSingleConnection, ...graphqlLimits(deps.limits), textHygiene, graphqlSpan],
    // Parsed documents and their validation stay cached (by document): the cost rule, which reads
    // the variables, runs after the cached rules on every request (graphql-limits.ts).
    context: async (initial: YogaInitialContext & ServerContext): Promise<Context> => {
      const { limiter: _limiter, limits: _limits, ...shared } = deps;
      const base = { ...shared, requestId: requestIds.getStore() ?? 'unknown' };
      try {
        return createContext(base, await caller(initial));
      } catch (error) {
        throw error instanceof BatonError ? error.toGraphQL() : error;
      }
    },
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQL>;
