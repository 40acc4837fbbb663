/**
 * An execution of a recipe as quality assessment and learning read it: pure data, built by the
 * library from the stored rows, so every score is a function of what Postgres keeps.
 */

/** The recipe API's execution statuses (a running one where no step has started is `pending`). */
export type RunStatus = 'pending' | 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'cancelled';

export interface RunStep {
  /** The recipe's step_id. */
  stepId: string;
  order: number;
  agentId: string | null;
  /** completed | failed | skipped | running | pending | … (the step row's). */
  status: string;
  output: string | null;
  error: string | null;
  /** Attempts after the first. */
  retries: number;
  /** Null while it has not finished. */
  durationMs: number | null;
  tokens: number;
  /** The step's timeout (its own, else `timeout_per_step`). */
  timeoutMs: number;
}

export interface Run {
  status: RunStatus;
  error: string | null;
  /** The final output (the last step's), null until completed. */
  output: string | null;
  /** Completed: its duration; still running: so far. */
  durationMs: number;
  totalTimeoutMs: number;
  /** How many steps the recipe's plan has. */
  expectedSteps: number;
  /** The plan's steps that started or finished, in plan order. */
  steps: RunStep[];
  /** The recipe's `outputs` schema (its keys are what a final output should carry). */
  outputs: Record<string, unknown>;
  /** The recipe's `inputs` and the inputs the run was given. */
  inputs: Record<string, unknown>;
  givenInputs: Record<string, unknown>;
}

/** a / b, where nothing expected counts as all there (0 / 0 = 1). */
export const share = (a: number, b: number) => (b === 0 ? 1 : a / b);

export const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export const hasOutput = (step: RunStep) => step.output != null && step.output.trim() !== '';
