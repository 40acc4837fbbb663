import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { JsonValue } from '../compiler/plan.ts';
import { toolServerAliases, toolServerConnections, type ToolServerConnection } from '../library/tool-servers.ts';
import type { Db } from '../store/db.ts';
import { McpSessions, sessionLost, type McpSession } from './mcp-sessions.ts';
import { aliasOf, LocalTools, toolName, type ToolDefinition, type ToolOutcome, type Toolbox, type ToolRegistry } from './tools.ts';

export interface McpToolsOptions {
  db: Db;
  secretKey: Buffer;
  /** One call's limit; the model is told when a call ran out of it. */
  timeoutMs: number;
  /** Longest result given to the model and recorded, in characters. */
  resultLimit: number;
  /** In-process tools (tests, built-ins): an alias registered here is served here. */
  local?: LocalTools;
}

/** A result's content as the model reads it: text as is, other blocks as a note saying what they were. */
function textOf(result: CallToolResult): string {
  const parts = result.content.map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'image':
      case 'audio':
        return `[${block.type} (${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes) returned by the tool; not shown]`;
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `[resource ${block.resource.uri} (${block.resource.mimeType ?? 'binary'}); not shown]`;
      case 'resource_link':
        return `[resource link: ${block.uri}${block.name ? ` (${block.name})` : ''}]`;
      default:
        return `[${(block as { type: string }).type} content; not shown]`;
    }
  });
  if (parts.length === 0 && result.structuredContent) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** Cuts what a tool returned to the limit, saying so. */
export function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n[cut: the tool returned ${text.length} characters; the first ${limit} are shown]`;
}

const failed = (content: string): ToolOutcome => ({ content, output: content, isError: true });

/**
 * Agents' tools from the tenant's MCP tool servers (library/tool-servers.ts), through the official
 * SDK: sessions pooled per process and server, tool lists cached until `tools/list_changed`, each
 * call with the step's abort signal and a timeout. A call that fails (server down, timeout, unknown
 * tool, bad arguments, a crash mid-call) is an error result the model reads, never a thrown error.
 */
export class McpTools implements ToolRegistry {
  private readonly sessions = new McpSessions();

  constructor(private readonly options: McpToolsOptions) {}

  /** Runs `work` on the server's session, reconnecting once when the session turns out lost. */
  private async withSession<T>(server: ToolServerConnection, work: (session: McpSession) => Promise<T>): Promise<T> {
    try {
      return await work(await this.sessions.get(server));
    } catch (error) {
      if (!sessionLost(error)) throw error;
      this.sessions.drop(server.version);
      return work(await this.sessions.get(server));
    }
  }

  async open(tenantId: string, aliases: string[], signal: AbortSignal): Promise<Toolbox> {
    const local = this.options.local;
    const remote = aliases.filter((alias) => !local?.has(alias));
    const servers = await toolServerConnections(this.options.db, this.options.secretKey, tenantId, remote);
    const missing = remote.filter((alias) => !servers.some((server) => server.alias === alias));
    if (missing.length) throw new Error(`Tool server${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not configured (or disabled) in this workspace`);
    const lists = await Promise.all(servers.map((server) => this.withSession(server, (session) => session.tools(signal)).then((tools) => tools.map((tool) => definition(server.alias, tool)))));
    const localBox = local ? await local.open(tenantId, aliases.filter((alias) => local.has(alias))) : undefined;
    const byAlias = new Map(servers.map((server) => [server.alias, server]));
    return {
      definitions: [...(localBox?.definitions ?? []), ...lists.flat()],
      call: (name, input, callSignal) => {
        const alias = aliasOf(name);
        if (local?.has(alias) && localBox) return localBox.call(name, input, callSignal);
        const server = byAlias.get(alias);
        return server ? this.call(server, name, input, callSignal) : Promise.resolve(failed(`No tool named ${name}: this step has no tool server called ${alias}`));
      },
    };
  }

  private async call(server: ToolServerConnection, name: string, input: JsonValue, signal: AbortSignal): Promise<ToolOutcome> {
    try {
      return await this.withSession(server, async (session) => {
        const tool = (await session.tools(signal)).find((candidate) => toolName(server.alias, candidate.name) === name);
        if (!tool) return failed(`No tool named ${name} on the tool server ${server.alias}`);
        const result = (await session.client.callTool({ name: tool.name, arguments: (input ?? {}) as Record<string, unknown> }, undefined, { signal, timeout: this.options.timeoutMs })) as CallToolResult;
        const content = cut(textOf(result), this.options.resultLimit);
        const output = (result.structuredContent as JsonValue | undefined) ?? content;
        return { content, output, isError: result.isError === true };
      });
    } catch (error) {
      if (signal.aborted) throw error;
      return failed(`The tool server ${server.alias} failed the call: ${(error as Error).message}`);
    }
  }

  /** Connects to the server afresh (not through the pool) and lists its tools as the model would see them. */
  async probe(server: ToolServerConnection, signal: AbortSignal): Promise<ToolDefinition[]> {
    const session = await this.sessions.connectOnce(server);
    try {
      return (await session.tools(signal)).map((tool) => definition(server.alias, tool));
    } finally {
      await session.client.close().catch(() => {});
    }
  }

  async aliases(tenantId: string): Promise<string[]> {
    return [...new Set([...(this.options.local ? await this.options.local.aliases() : []), ...(await toolServerAliases(this.options.db, tenantId))])];
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}

function definition(alias: string, tool: Tool): ToolDefinition {
  return {
    name: toolName(alias, tool.name),
    description: [tool.title, tool.description].filter(Boolean).join(': ') || tool.name,
    inputSchema: tool.inputSchema as ToolDefinition['inputSchema'],
  };
}
