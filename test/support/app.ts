import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { buildApp, type App, type Role } from '../../src/app.ts';
import { parseEnv } from '../../src/env.ts';
import type { LocalTools } from '../../src/agents/tools.ts';
import { createTenant, type NewTenant } from '../../src/tenancy/tenants.ts';
import { createTestDatabase } from './database.ts';

export interface TestApp {
  app: App;
  /** e.g. http://localhost:41234 */
  url: string;
  databaseUrl: string;
  tenant: NewTenant;
  /** Runs an operation over HTTP (through the real listener) with the tenant's credentials by default. */
  request<R, V>(document: TypedDocumentNode<R, V>, variables?: V, headers?: Record<string, string>): Promise<{ status: number; body: ExecutionResult<R> }>;
  /** A graphql-ws client on the real WebSocket endpoint. */
  wsClient(connectionParams?: Record<string, unknown>): Client;
  stop(): Promise<void>;
}

export const credentialsOf = (tenant: NewTenant) => ({ authorization: `Bearer ${tenant.apiKey}`, 'x-tenant-id': tenant.tenantId });

export async function startTestApp(options: { databaseUrl?: string; redisUrl?: string; role?: Role; env?: Record<string, string>; tools?: LocalTools; onQuery?: (sql: string) => void; shutdownGraceMs?: number; pollMs?: number } = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const env = parseEnv({
    PORT: '0',
    BATON_DATA_DIR: await mkdtemp(join(tmpdir(), 'baton-app-')),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const app = await buildApp({ env, databaseUrl, role: options.role ?? 'all', tools: options.tools, onQuery: options.onQuery, shutdownGraceMs: options.shutdownGraceMs, pollMs: options.pollMs });
  const url = (await app.start())!;
  const tenant = await createTenant(app.database.db, 'test tenant');
  const clients: Client[] = [];
  return {
    app,
    url,
    databaseUrl,
    tenant,
    async request(document, variables, headers = credentialsOf(tenant)) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: print(document), variables }),
      });
      return { status: response.status, body: (await response.json()) as ExecutionResult<never> };
    },
    wsClient(connectionParams = credentialsOf(tenant)) {
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.stop();
    },
  };
}

/** Subscribes and returns an iterator over the operation's results. */
export function subscribe<R, V>(client: Client, document: TypedDocumentNode<R, V>, variables?: V): AsyncIterableIterator<ExecutionResult<R>> {
  return client.iterate({ query: print(document), variables: variables as Record<string, unknown> }) as AsyncIterableIterator<ExecutionResult<R>>;
}
