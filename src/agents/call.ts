import type { JsonValue, OutputFormat } from '../compiler/plan.ts';

/** One step's request to a model: the system prompt, the rendered prompt, and how to answer. */
export interface AgentCall {
  /** Whose tool servers `tools` names. */
  tenantId: string;
  modelId: string;
  system: string;
  prompt: string;
  maxTokens: number;
  temperature: number | null;
  maxTurns: number;
  /** The agent's tool servers (`Tools:`). */
  tools: string[];
  outputFormat: OutputFormat;
  outputSchema: JsonValue;
  /** Aborted when the execution is stopped or the attempt times out. */
  signal: AbortSignal;
  /** Each piece of text as the model produces it. */
  onText(delta: string): void;
  /**
   * With a budget: reserves more input (`input`, counted by its bytes) and output (`maxTokens`) for
   * this step before a request its first reservation did not cover (tool definitions, a further turn
   * of the tool loop); rejects with BudgetExhausted when it does not fit, and then nothing is sent.
   */
  reserve?(input: string, maxTokens: number): Promise<void>;
}

/** One tool call as the step records it: what the model sent, what came back, how long it took, whether it failed. */
export interface ToolCallRecord {
  name: string;
  input: JsonValue;
  output: JsonValue;
  durationMs: number;
  isError: boolean;
}

export interface AgentResult {
  text: string;
  /** The model that answered, when another than the one asked for did: the offline model standing in without a key. */
  model?: string;
  tokensIn: number;
  tokensOut: number;
  tokensCacheRead: number;
  tokensCacheWrite: number;
  turns: number;
  toolCalls: ToolCallRecord[];
}

export type Agent = (call: AgentCall) => Promise<AgentResult>;
