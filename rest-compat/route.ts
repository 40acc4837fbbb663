import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { z } from 'zod';
import { RestError } from './graphql.ts';

export interface Call {
  params: Record<string, string>;
  body: Record<string, unknown>;
  query: Record<string, unknown>;
  /** Base of the links Baton hands out (`PUBLIC_URL`). */
  publicUrl: string;
  /** Runs a GraphQL operation as the caller. */
  run<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;
}

/** One documented endpoint: how it reads the request, which operation it runs, what it answers. */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/executions/:id` style, relative to the mount. */
  path: string;
  /** The OpenAPI operationId. */
  operationId: string;
  summary: string;
  /** The status of a success; 204 answers with no body. */
  status: number;
  body?: z.ZodObject;
  query?: z.ZodObject;
  /** A success body's schema, and an example of one (the OpenAPI document shows both; a test validates the example). */
  response?: z.ZodType;
  example?: unknown;
  /** The error statuses this route can answer with, besides 401, 429 and 500. */
  errors: number[];
  handle(call: Call): Promise<unknown>;
}

/** The object an operation found, or the 404 that names what is missing. */
export function found<T>(value: T | null | undefined, what: string, id: string): T {
  if (value == null) throw new RestError(404, `${what} not found`, `No ${what.toLowerCase()} with ID ${id} exists for this tenant`);
  return value;
}

/** One product document's API: its routes, the paths they are served under, and its named schemas. */
export interface RestProduct {
  routes: RestRoute[];
  /** Path prefixes every route is served under ('' is the root). */
  mounts: string[];
  /** The product's zod schemas by name: response schemas become OpenAPI components. */
  schemas: Record<string, unknown>;
}
