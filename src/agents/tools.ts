import type { JsonValue } from '../compiler/plan.ts';

/** A tool as the model sees it. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties?: Record<string, unknown>; required?: string[] };
}

/**
 * Where agents' tools come from. An agent's `Tools:` names tool servers (aliases); the registry
 * lists the tools each provides and runs calls. Tool servers (MCP) plug in here.
 */
export interface ToolRegistry {
  toolsFor(servers: string[]): ToolDefinition[];
  call(name: string, input: JsonValue, signal: AbortSignal): Promise<JsonValue>;
}

/** Tools registered in process, by server alias (tests and built-in tools). */
export class LocalTools implements ToolRegistry {
  private readonly servers = new Map<string, { definition: ToolDefinition; run: (input: JsonValue, signal: AbortSignal) => Promise<JsonValue> }[]>();

  register(server: string, definition: ToolDefinition, run: (input: JsonValue, signal: AbortSignal) => Promise<JsonValue>): void {
    this.servers.set(server, [...(this.servers.get(server) ?? []), { definition, run }]);
  }

  toolsFor(servers: string[]): ToolDefinition[] {
    return servers.flatMap((server) => this.servers.get(server) ?? []).map((tool) => tool.definition);
  }

  async call(name: string, input: JsonValue, signal: AbortSignal): Promise<JsonValue> {
    const tool = [...this.servers.values()].flat().find((candidate) => candidate.definition.name === name);
    if (!tool) throw new Error(`no tool named ${name}`);
    return tool.run(input, signal);
  }
}
