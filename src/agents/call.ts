import type { JsonValue, OutputFormat } from '../compiler/plan.ts';

/** One step's request to a model: the system prompt, the rendered prompt, and how to answer. */
export interface AgentCall {
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
}

export interface AgentResult {
  text: string;
  tokensIn: number;
  tokensOut: number;
  tokensCacheRead: number;
  tokensCacheWrite: number;
  turns: number;
  /** Each tool call: the tool, what the model sent, what it answered (a failed call: its error message), and how long it took. */
  toolCalls: { name: string; input: JsonValue; output: JsonValue; durationMs: number }[];
}

export type Agent = (call: AgentCall) => Promise<AgentResult>;
