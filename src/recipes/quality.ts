import { clamp01, hasOutput, share, type Run, type RunStep } from './run.ts';

// Quality assessment (spec recipes-api.md §4): five dimensions in [0, 1], their mean, a grade and the
// bottlenecks, all pure functions of a stored run. Each dimension can reach 1 for a perfect run.

export interface Breakdown {
  completeness: number;
  accuracy: number;
  efficiency: number;
  reliability: number;
  cost: number;
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';

export interface Bottleneck {
  type: 'slow_step' | 'failed_step' | 'high_retry_step';
  step_index: number;
  step_id: string;
  agent_id: string | null;
  description: string;
  duration_ms?: number;
  error?: string | null;
  retries?: number;
}

/** The learning patterns an assessment weighs (their severity). */
export interface PatternSeverity {
  severity: 'high' | 'medium' | 'low';
}

export interface Assessment {
  quality_score: number;
  breakdown: Breakdown;
  grade: Grade;
  bottlenecks: Bottleneck[];
}

const completed = (steps: RunStep[]) => steps.filter((step) => step.status === 'completed');
const failed = (steps: RunStep[]) => steps.filter((step) => step.status === 'failed');
const retriesOf = (steps: RunStep[]) => steps.reduce((sum, step) => sum + step.retries, 0);

export function completeness(run: Run): number {
  const done = completed(run.steps).length;
  const withOutput = run.steps.filter(hasOutput).length;
  const status = run.status === 'completed' ? 1 : run.status === 'running' || run.status === 'awaiting_approval' ? 0.3 : 0;
  return clamp01(0.5 * Math.min(1, share(done, run.expectedSteps)) + 0.3 * Math.min(1, share(withOutput, run.expectedSteps)) + 0.2 * status);
}

/** The final output parsed as a JSON object (a fenced ```json block too), else null. */
export function parsedOutput(output: string | null): Record<string, unknown> | null {
  if (output == null) return null;
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n?```/.exec(output);
  for (const text of [output, fenced?.[1]]) {
    if (text === undefined) continue;
    try {
      const value: unknown = JSON.parse(text.trim());
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON: try the fenced block, then give up
    }
  }
  return null;
}

/** The share of the `outputs` schema's keys the final output carries; 1 without a schema. */
export function outputKeysShare(run: Run): number {
  const keys = Object.keys(run.outputs);
  if (keys.length === 0) return 1;
  const parsed = parsedOutput(run.output);
  if (!parsed) return 0;
  return keys.filter((key) => parsed[key] !== undefined && parsed[key] !== null).length / keys.length;
}

export function accuracy(run: Run): number {
  const clean = run.steps.filter((step) => step.status !== 'failed' && !step.error).length;
  return clamp01(0.5 * share(clean, run.steps.length) + 0.3 * outputKeysShare(run) + 0.2 * (run.error ? 0 : 1));
}

/** 1 up to half the timeout, then down linearly to 0.5 at the timeout, 0 beyond it. */
export function timeScore(durationMs: number, timeoutMs: number): number {
  if (timeoutMs <= 0) return durationMs <= 0 ? 1 : 0;
  if (durationMs <= 0.5 * timeoutMs) return 1;
  if (durationMs <= timeoutMs) return 1 - 0.5 * (durationMs / timeoutMs);
  return 0;
}

export function efficiency(run: Run): number {
  const timed = run.steps.filter((step) => step.durationMs != null);
  const perStep = timed.length === 0 ? 1 : timed.reduce((sum, step) => sum + timeScore(step.durationMs!, step.timeoutMs), 0) / timed.length;
  const meanRetries = run.steps.length === 0 ? 0 : retriesOf(run.steps) / run.steps.length;
  return clamp01(0.4 * perStep + 0.3 * timeScore(run.durationMs, run.totalTimeoutMs) + 0.3 * Math.max(0, 1 - 0.25 * meanRetries));
}

const STATUS_SCORE: Record<Run['status'], number> = { completed: 1, running: 0.7, awaiting_approval: 0.7, pending: 0.5, cancelled: 0.2, failed: 0 };

export function reliability(run: Run, patterns: PatternSeverity[]): number {
  const high = patterns.filter((pattern) => pattern.severity === 'high').length;
  const medium = patterns.filter((pattern) => pattern.severity === 'medium').length;
  return clamp01(0.4 * STATUS_SCORE[run.status] + 0.3 * Math.max(0, 1 - 0.3 * high - 0.1 * medium) + 0.3 * (1 - (run.steps.length === 0 ? 0 : failed(run.steps).length / run.steps.length)));
}

export const TOKEN_BUDGET = 100_000;

export function cost(run: Run): number {
  const steps = run.steps.length;
  const retries = steps === 0 ? 0 : retriesOf(run.steps) / (2 * steps);
  const useful = completed(run.steps).filter(hasOutput).length;
  const tokens = run.steps.reduce((sum, step) => sum + step.tokens, 0);
  return clamp01(
    0.3 * Math.max(0, 1 - retries) + 0.3 * share(useful, steps) + 0.2 * (steps === 0 ? 1 : Math.min(1, run.expectedSteps / steps)) + 0.2 * Math.max(0, 1 - tokens / TOKEN_BUDGET),
  );
}

export function gradeOf(score: number): Grade {
  if (score >= 0.9) return 'A';
  if (score >= 0.75) return 'B';
  if (score >= 0.6) return 'C';
  if (score >= 0.4) return 'D';
  return 'F';
}

export const SLOW_STEP_MS = 5_000;

export function bottlenecks(run: Run): Bottleneck[] {
  const indexed = run.steps.map((step, index) => ({ step, index }));
  const base = (step: RunStep, index: number) => ({ step_index: index, step_id: step.stepId, agent_id: step.agentId });
  const slow = indexed
    .filter(({ step }) => step.durationMs != null && step.durationMs > SLOW_STEP_MS)
    .sort((a, b) => b.step.durationMs! - a.step.durationMs! || a.index - b.index)
    .slice(0, 3)
    .map(({ step, index }): Bottleneck => ({ type: 'slow_step', ...base(step, index), duration_ms: step.durationMs!, description: `Step ${step.stepId} took ${(step.durationMs! / 1000).toFixed(1)} s` }));
  const failures = indexed
    .filter(({ step }) => step.status === 'failed')
    .map(({ step, index }): Bottleneck => ({ type: 'failed_step', ...base(step, index), error: step.error, description: `Step ${step.stepId} failed${step.error ? `: ${step.error}` : ''}` }));
  const retried = indexed
    .filter(({ step }) => step.retries >= 2)
    .map(({ step, index }): Bottleneck => ({ type: 'high_retry_step', ...base(step, index), retries: step.retries, description: `Step ${step.stepId} needed ${step.retries} retries` }));
  return [...slow, ...failures, ...retried];
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function assess(run: Run, patterns: PatternSeverity[] = []): Assessment {
  const breakdown: Breakdown = {
    completeness: round(completeness(run)),
    accuracy: round(accuracy(run)),
    efficiency: round(efficiency(run)),
    reliability: round(reliability(run, patterns)),
    cost: round(cost(run)),
  };
  const values = Object.values(breakdown);
  const score = round(values.reduce((sum, value) => sum + value, 0) / values.length);
  return { quality_score: score, breakdown, grade: gradeOf(score), bottlenecks: bottlenecks(run) };
}

/** The recipe's quality score after an assessment: 0.3 × new + 0.7 × old; the first one is taken as is. */
export const emaOf = (old: number | null, score: number) => round(old == null ? score : 0.3 * score + 0.7 * old);
