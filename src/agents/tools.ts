import type { JsonValue } from '../compiler/plan.ts';

/** A tool as the model sees it: `<alias>__<tool>`, the alias being the tool server's. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };
}

/** What came of one call: the text the model is given, what is recorded on the step, and whether it failed. */
export interface ToolOutcome {
  content: string;
  output: JsonValue;
  isError: boolean;
}

/**
 * The tools of one step attempt: what the model is offered, and how its calls run. Opened once per
 * attempt, so its calls use the tool servers' settings as they were when it started. A failed call
 * is an outcome with `isError` (the model sees it), never a thrown error.
 */
export interface Toolbox {
  definitions: ToolDefinition[];
  call(name: string, input: JsonValue, signal: AbortSignal): Promise<ToolOutcome>;
}

/**
 * Where agents' tools come from. An agent's `Tools:` names tool servers (aliases) of its tenant;
 * `open` lists the tools they provide (throwing when a server is missing or cannot be reached).
 */
export interface ToolRegistry {
  open(tenantId: string, servers: string[], signal: AbortSignal): Promise<Toolbox>;
  /** The aliases the tenant can use (for compile warnings and the check at start). */
  aliases(tenantId: string): Promise<string[]>;
  /** Ends every session and child process. */
  close(): Promise<void>;
}

/** The model-facing name of a server's tool, and the alias it belongs to. */
export const toolName = (alias: string, tool: string) => `${alias}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
export const aliasOf = (name: string) => name.split('__')[0];

type LocalRun = (input: JsonValue, signal: AbortSignal) => Promise<JsonValue>;

/** Tools registered in process, by server alias, for every tenant (tests and built-in tools). */
export class LocalTools implements ToolRegistry {
  private readonly servers = new Map<string, { definition: ToolDefinition; run: LocalRun }[]>();

  register(server: string, definition: ToolDefinition, run: LocalRun): void {
    const named = { ...definition, name: toolName(server, definition.name) };
    this.servers.set(server, [...(this.servers.get(server) ?? []), { definition: named, run }]);
  }

  has(alias: string): boolean {
    return this.servers.has(alias);
  }

  async open(_tenantId: string, servers: string[]): Promise<Toolbox> {
    return { definitions: servers.flatMap((server) => this.servers.get(server) ?? []).map((tool) => tool.definition), call: (name, input, signal) => this.call(name, input, signal) };
  }

  async call(name: string, input: JsonValue, signal: AbortSignal): Promise<ToolOutcome> {
    const tool = (this.servers.get(aliasOf(name)) ?? []).find((candidate) => candidate.definition.name === name);
    if (!tool) return { content: `No tool named ${name}`, output: `No tool named ${name}`, isError: true };
    try {
      const output = await tool.run(input, signal);
      return { content: typeof output === 'string' ? output : JSON.stringify(output), output, isError: false };
    } catch (error) {
      return { content: (error as Error).message, output: (error as Error).message, isError: true };
    }
  }

  async aliases(): Promise<string[]> {
    return [...this.servers.keys()];
  }

  async close(): Promise<void> {}
}
