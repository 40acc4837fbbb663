import type { Plugin } from 'graphql-yoga';

/** The header of graphql-sse's single connection mode: it names a stream reserved with PUT. */
const TOKEN_HEADER = 'x-graphql-event-stream-token';

const MESSAGE = "GraphQL over SSE's single connection mode is not supported";
const DETAIL =
  'Use distinct connections mode (POST /graphql with Accept: text/event-stream, one request per operation) or GraphQL over WebSocket (graphql-transport-ws) on /graphql';

/**
 * graphql-sse's single connection mode (PUT reserves a stream, GET holds it, POST and DELETE with the
 * token start and stop operations on it) is refused with a status that says why. Its reservations
 * and their streams would live in one process's memory, so behind several API processes every
 * request of a client would have to reach the same one; and an unauthenticated PUT would hold
 * memory until its stream is claimed. WebSocket already gives one connection for many operations.
 */
export const refuseSseSingleConnection: Plugin = {
  onRequest({ request, endResponse }) {
    const reserving = request.method === 'PUT';
    if (!reserving && !request.headers.has(TOKEN_HEADER)) return;
    endResponse(
      Response.json(
        { errors: [{ message: MESSAGE, extensions: { code: 'BAD_REQUEST', detail: DETAIL } }] },
        // PUT is no method of /graphql; the token is a bad request whatever the method.
        reserving ? { status: 405, headers: { allow: 'GET, POST' } } : { status: 400 },
      ),
    );
  },
};
