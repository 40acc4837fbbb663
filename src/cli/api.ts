import { print, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { headersOf, type Connection } from './connection.ts';
import { CliError } from './errors.ts';

/** The live connection went away (the server stopped, the network dropped, the subscriber fell behind): a follower may resume. */
export class ConnectionLost extends CliError {}

const REFUSED_HINT = 'check BATON_API_KEY and BATON_TENANT_ID, or `baton key create` a new key';

/** Talks to Baton's GraphQL API: operations over HTTP, subscriptions over graphql-ws. */
export class Api {
  private client: Client | undefined;
  private connection: Promise<Connection> | undefined;

  /** `connect` is called at the first operation: a command that fails before needs no credentials. */
  constructor(private readonly connect: () => Promise<Connection>) {}

  private connected(): Promise<Connection> {
    return (this.connection ??= this.connect());
  }

  async request<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
    const connection = await this.connected();
    const { url } = connection;
    let response: Response;
    try {
      response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headersOf(connection) },
        body: JSON.stringify({ query: print(document), variables }),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${url} (${causeOf(error)})`, 'is `baton serve` running there? Set BATON_URL or --url');
    }
    let body: ExecutionResult<R>;
    try {
      body = (await response.json()) as ExecutionResult<R>;
    } catch {
      throw new CliError(`${url}/graphql answered ${response.status} without GraphQL`, 'is BATON_URL the address of a Baton server?');
    }
    if (body.errors?.length) throw errorOf(body.errors);
    if (!body.data) throw new CliError(`${url}/graphql answered ${response.status} with no data`);
    return body.data;
  }

  /** Delivers each result's data to `onData`; resolves when the server completes the subscription. */
  async subscribe<R, V>(document: TypedDocumentNode<R, V>, variables: V, onData: (data: R) => void): Promise<void> {
    const connection = await this.connected();
    this.client ??= createClient({
      url: `${connection.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: headersOf(connection),
      retryAttempts: 0,
      lazy: true,
    });
    const client = this.client;
    return new Promise((resolve, reject) => {
      client.subscribe<R>(
        { query: print(document), variables: variables as Record<string, unknown> },
        {
          next: (result) => {
            if (result.errors?.length) reject(errorOf(result.errors));
            else if (result.data) onData(result.data);
          },
          complete: resolve,
          error: (error) => {
            // The socket is gone: the next subscription opens a new one.
            if (this.client === client) this.client = undefined;
            void client.dispose();
            reject(subscriptionError(error, connection.url));
          },
        },
      );
    });
  }

  async close(): Promise<void> {
    await this.client?.dispose();
    this.client = undefined;
  }
}

function errorOf(errors: readonly GraphQLFormattedError[]): CliError {
  const [first] = errors;
  const code = first.extensions?.code;
  if (code === 'UNAUTHENTICATED') return new CliError(`the server refused the credentials: ${first.message}`, REFUSED_HINT);
  if (code === 'SLOW_CONSUMER') return new ConnectionLost(first.message);
  return new CliError(first.message);
}

function subscriptionError(error: unknown, url: string): CliError {
  if (Array.isArray(error)) return errorOf(error as GraphQLFormattedError[]);
  const close = error as { code?: number; reason?: string };
  if (close.code === 4401 || close.code === 4403) return new CliError(`the server refused the credentials${close.reason ? `: ${close.reason}` : ''}`, REFUSED_HINT);
  return new ConnectionLost(`lost the live connection to ${url}${close.reason ? ` (${close.reason})` : close.code ? ` (code ${close.code})` : ''}`);
}

const causeOf = (error: unknown) => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
};
