import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { clientAddress } from '../src/server/http.ts';
import type { GraphQLServer } from '../src/server/yoga.ts';
import { graphql } from '../src/generated/graphql/gql.ts';
import type { RestPlanFragment } from '../src/generated/graphql/graphql.ts';

/** A failure the REST layer answers with: `{ error, detail }` and its status (plus extra fields). */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(error);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  QUERY_TOO_COMPLEX: 400,
  COMPILE_ERROR: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/** The credentials and request id travel on; everything else about the REST request stays behind. */
const FORWARDED = ['authorization', 'x-api-key', 'x-tenant-id', 'x-workspace-id', 'x-request-id'];

/** Each route's document as text, printed once (yoga then finds its parse and validation in its cache). */
const printed = new WeakMap<object, string>();
const textOf = (document: TypedDocumentNode<unknown, unknown>) => {
  let text = printed.get(document);
  if (text === undefined) printed.set(document, (text = print(document)));
  return text;
};

/**
 * Runs one operation through the same yoga instance as `/graphql` (so authentication, validation
 * and error masking are the same), and returns its data or throws the RestError its errors mean.
 */
export async function runOperation<R, V>(server: GraphQLServer, request: Request, document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  for (const name of FORWARDED) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const response = await server.fetch(new URL(server.graphqlEndpoint, request.url), {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: textOf(document as TypedDocumentNode<unknown, unknown>), variables }),
  }, { clientAddress: clientAddress(request), ownDocument: true });
  const result = (await response.json()) as ExecutionResult<R>;
  const [first] = result.errors ?? [];
  if (first) {
    const code = String(first.extensions?.code ?? '');
    const detail = typeof first.extensions?.detail === 'string' ? first.extensions.detail : first.message;
    const status = STATUS_BY_CODE[code] ?? 500;
    if (status === 500) throw new RestError(500, 'Internal server error', `${first.message}${first.extensions?.requestId ? ` (request id ${first.extensions.requestId})` : ''}`);
    // A 503 says when to retry (GraphQL's response carries it as a header).
    const retryAfter = response.headers.get('retry-after');
    throw new RestError(status, first.message, detail, {}, retryAfter === null ? {} : { 'retry-after': retryAfter });
  }
  return result.data as R;
}

/** A compile error's notes, as both products' REST APIs show them. */
export const compilerNotes = (notes: RestPlanFragment['compilerNotes']) =>
  notes.map((note) => ({ severity: note.severity.toLowerCase() as Lowercase<typeof note.severity>, code: note.code, message: note.message, line: note.line, column: note.column }));

/** What every mutation's operation selects of its typed error member, for `failIfError` (both products). */
export const ErrorFields = graphql(`
  fragment RestError on Error {
    __typename
    code
    message
    detail
  }
`);

/** A mutation's typed error member (`... on Error`) as the RestError of its status. */
export function failIfError<T extends object>(member: T): Exclude<T, { code: string; detail: string }> {
  const error = member as unknown as { __typename?: string; code?: string; message?: string; detail?: string; notes?: Parameters<typeof compilerNotes>[0] };
  if (error.__typename?.endsWith('Error') && error.code) {
    const extra = error.notes ? { compiler_notes: compilerNotes(error.notes) } : {};
    throw new RestError(STATUS_BY_CODE[error.code] ?? 500, error.message ?? 'Error', error.detail ?? '', extra);
  }
  return member as never;
}
