import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolServerConnection } from '../library/tool-servers.ts';

/** One connected MCP server: its client, and its tool list while no `tools/list_changed` says otherwise. */
export interface McpSession {
  client: Client;
  tools(signal: AbortSignal): Promise<Tool[]>;
}

/** How long connecting (and the initialize handshake) may take. */
const CONNECT_TIMEOUT_MS = 15_000;

function transportOf(server: ToolServerConnection) {
  if (server.transport === 'http') return new StreamableHTTPClientTransport(new URL(server.url!), { requestInit: { headers: server.headers } });
  // The child gets the SDK's safe default environment (PATH, HOME, …) plus the server's own; its
  // stderr is not Baton's to print.
  return new StdioClientTransport({ command: server.command!, args: server.args, env: { ...getDefaultEnvironment(), ...server.env }, stderr: 'ignore' });
}

/**
 * Whether an error says the request never reached a live session (an HTTP server restarted and
 * forgot it, or refused the connection; a transport already closed), so the call did not run and it
 * is safe to reconnect and send it once more. A failure mid-call is not retried: it may have run.
 */
export function sessionLost(error: unknown): boolean {
  // The spec says 404 for a session the server does not know; some servers answer 400 naming the session.
  if (error instanceof StreamableHTTPError) return error.code === 404 || (error.code === 400 && /session/i.test(error.message));
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'ECONNREFUSED' || (error instanceof Error && /^Not connected$/.test(error.message));
}

/**
 * MCP sessions pooled per process and tool server (settings version), connected on first use. A
 * session whose transport closes leaves the pool, so the next use reconnects; an edited server gets
 * a new session and the old one is closed.
 */
export class McpSessions {
  private readonly pool = new Map<string, Promise<McpSession>>();
  private readonly open = new Set<Client>();
  private closed = false;

  get(server: ToolServerConnection): Promise<McpSession> {
    if (this.closed) return Promise.reject(new Error('Baton is shutting down'));
    let session = this.pool.get(server.version);
    if (!session) {
      for (const key of this.pool.keys()) if (key.startsWith(`${server.id}:`)) this.drop(key);
      const forget = () => {
        if (this.pool.get(server.version) === session) this.pool.delete(server.version);
      };
      session = this.connect(server, forget);
      this.pool.set(server.version, session);
      session.catch(forget);
    }
    return session;
  }

  /** A session outside the pool, for a one-off check; the caller closes it. */
  connectOnce(server: ToolServerConnection): Promise<McpSession> {
    return this.connect(server, () => {});
  }

  /** Forgets the session (after it was lost) and closes it. */
  drop(version: string): void {
    const session = this.pool.get(version);
    this.pool.delete(version);
    void session?.then((s) => s.client.close()).catch(() => {});
  }

  private async connect(server: ToolServerConnection, forget: () => void): Promise<McpSession> {
    const client = new Client({ name: 'baton', version: '1.0.0' });
    let tools: Promise<Tool[]> | undefined;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      tools = undefined;
    });
    client.onclose = () => {
      this.open.delete(client);
      forget();
    };
    this.open.add(client);
    try {
      await client.connect(transportOf(server), { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      this.open.delete(client);
      await client.close().catch(() => {});
      throw new Error(`Tool server ${server.alias} could not be reached: ${(error as Error).message}`);
    }
    return {
      client,
      tools(signal) {
        tools ??= client.listTools(undefined, { signal, timeout: CONNECT_TIMEOUT_MS }).then((result) => result.tools);
        tools.catch(() => (tools = undefined));
        return tools;
      },
    };
  }

  /** Closes every session: HTTP sessions end, child processes are stopped. */
  async close(): Promise<void> {
    this.closed = true;
    this.pool.clear();
    await Promise.all([...this.open].map((client) => client.close().catch(() => {})));
    this.open.clear();
  }
}
