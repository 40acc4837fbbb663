import type { CompilerNote } from './notes.ts';

/** The execution plan: what `compile` produces and the engine runs (spec §9). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const INPUT_TYPES = ['string', 'number', 'boolean', 'string[]', 'number[]', 'object'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface PlanInput {
  name: string;
  type: InputType;
  required: boolean;
  default: JsonValue;
  /** Allowed values, or null for any. */
  enum: (string | number)[] | null;
  description: string;
}

export interface PlanAgent {
  id: string;
  name: string;
  description: string;
  /** The model as written (an alias such as `Sonnet`, or a full id). */
  model: string;
  modelId: string;
  tools: string[];
  temperature: number | null;
  maxTokens: number;
  systemPrompt: string;
}

export const OUTPUT_FORMATS = ['markdown', 'text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const ON_ERROR = ['stop', 'continue', 'retry'] as const;
export type OnError = (typeof ON_ERROR)[number];

export interface PlanStep {
  id: string;
  title: string;
  /** The agent's id; null for an approval checkpoint. */
  agent: string | null;
  /** The step's text as written: the prompt, or a checkpoint's instruction to the approver. */
  prompt: string;
  dependsOn: string[];
  approval: boolean;
  condition: string | null;
  forEach: string | null;
  concurrency: number | null;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
  onError: OnError;
  onReject: 'fail' | 'revise';
  /** With `onReject: revise`, the step that runs again with the rejection reason. */
  reviseStep: string | null;
  /** A per-step model override (as written), and what it resolves to. */
  model: string | null;
  modelId: string | null;
  maxTurns: number;
  outputFormat: OutputFormat;
  /** With `Output: json`, the expected shape from the step's ```json block. */
  outputSchema: JsonValue;
  /** A recipe step's `order` (its executions' views and step logs address steps by it); markdown plans leave it out. */
  order?: number;
}

export const OUTPUT_TYPES = ['markdown', 'text', 'json', 'html'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

export interface Plan {
  name: string;
  description: string;
  inputs: PlanInput[];
  agents: PlanAgent[];
  steps: PlanStep[];
  /** A path (`steps.final.output`) or a template, per `outputMode`. */
  output: string;
  outputMode: 'path' | 'template';
  outputType: OutputType;
  compilerNotes: CompilerNote[];
  /**
   * At most this many steps run at once (recipes' `parallel_limit`); absent or null: no limit.
   * Markdown plans leave it out.
   */
  maxParallel?: number | null;
  /** The whole execution's time limit (recipes' `total_timeout`); absent or null: none. */
  totalTimeoutMs?: number | null;
}

export interface CompileResult {
  valid: boolean;
  plan: Plan;
  notes: CompilerNote[];
}
