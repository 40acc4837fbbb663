import { hasOutput, share, type Run } from './run.ts';

// Rule-based learning (spec recipes-api.md §5): patterns found in one run, the suggestions they
// lead to, and the run's performance metrics. Pure.

export type Severity = 'high' | 'medium' | 'low';

export interface Pattern {
  type: 'failure' | 'step_failure' | 'slow_step' | 'empty_output' | 'retry_needed' | 'missing_input';
  severity: Severity;
  description: string;
  step_index?: number;
  step_id?: string;
  agent_id?: string | null;
  error?: string | null;
  duration_ms?: number;
  retries?: number;
  input?: string;
}

export interface Suggestion {
  type: 'prompt_rewrite' | 'model_upgrade' | 'tool_addition';
  priority: Severity;
  description: string;
  pattern: Pattern['type'];
  step_index?: number;
  step_id?: string;
  agent_id?: string | null;
}

export interface PerformanceMetrics {
  total_duration_ms: number;
  step_durations: { step_index: number; duration_ms: number | null; status: string }[];
  success_rate: number;
  total_retries: number;
  error_count: number;
  total_steps: number;
  successful_steps: number;
}

export interface Analysis {
  patterns: Pattern[];
  suggestions: Suggestion[];
  performance_metrics: PerformanceMetrics;
}

export const SLOW_LEARNING_MS = 30_000;

const isMissing = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** The recipe's required inputs the run was not given (or given empty). */
function missingInputs(run: Run): string[] {
  return Object.entries(run.inputs)
    .filter(([, spec]) => spec !== null && typeof spec === 'object' && (spec as { required?: unknown }).required === true)
    .map(([name]) => name)
    .filter((name) => isMissing(run.givenInputs[name]));
}

export function patternsOf(run: Run): Pattern[] {
  const patterns: Pattern[] = [];
  if (run.status === 'failed') patterns.push({ type: 'failure', severity: 'high', description: `The execution failed${run.error ? `: ${run.error}` : ''}`, error: run.error });
  run.steps.forEach((step, index) => {
    const at = { step_index: index, step_id: step.stepId, agent_id: step.agentId };
    if (step.status === 'failed') patterns.push({ type: 'step_failure', severity: 'high', ...at, error: step.error, description: `Step ${step.stepId} failed${step.error ? `: ${step.error}` : ''}` });
    if (step.durationMs != null && step.durationMs > SLOW_LEARNING_MS) {
      patterns.push({ type: 'slow_step', severity: 'medium', ...at, duration_ms: step.durationMs, description: `Step ${step.stepId} took ${(step.durationMs / 1000).toFixed(1)} s (over 30 s)` });
    }
    if (step.status === 'completed' && !hasOutput(step)) patterns.push({ type: 'empty_output', severity: 'low', ...at, description: `Step ${step.stepId} completed with an empty output` });
    if (step.retries > 0) patterns.push({ type: 'retry_needed', severity: 'medium', ...at, retries: step.retries, description: `Step ${step.stepId} needed ${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}` });
  });
  for (const input of missingInputs(run)) patterns.push({ type: 'missing_input', severity: 'high', input, description: `The required input ${input} was not given` });
  return patterns;
}

function suggestionsFor(pattern: Pattern): Suggestion[] {
  const at = { pattern: pattern.type, ...(pattern.step_id === undefined ? {} : { step_index: pattern.step_index, step_id: pattern.step_id, agent_id: pattern.agent_id }) };
  const step = pattern.step_id ?? '';
  const why = pattern.error ? ` (it failed with: ${pattern.error})` : '';
  switch (pattern.type) {
    case 'failure':
      return [{ type: 'prompt_rewrite', priority: 'high', ...at, description: `Rewrite the prompts so the execution can succeed${why}` }];
    case 'step_failure':
      return [
        { type: 'prompt_rewrite', priority: 'high', ...at, description: `Rewrite the prompt of step ${step} to be clearer and more specific${why}` },
        { type: 'model_upgrade', priority: 'medium', ...at, description: `Run step ${step} on a more capable model` },
      ];
    case 'slow_step':
      return [{ type: 'prompt_rewrite', priority: 'medium', ...at, description: `Narrow the prompt of step ${step} so it finishes sooner (it took ${((pattern.duration_ms ?? 0) / 1000).toFixed(1)} s)` }];
    case 'empty_output':
      return [{ type: 'prompt_rewrite', priority: 'low', ...at, description: `Ask step ${step} explicitly for the output it should produce (it answered nothing)` }];
    case 'retry_needed': {
      const tools: Suggestion = { type: 'tool_addition', priority: 'medium', ...at, description: `Give the agent of step ${step} tools for what it retried (${pattern.retries} retries)` };
      return (pattern.retries ?? 0) >= 3 ? [tools, { type: 'model_upgrade', priority: 'high', ...at, description: `Run step ${step} on a more capable model: it needed ${pattern.retries} retries` }] : [tools];
    }
    case 'missing_input':
      return [];
  }
}

export function performanceOf(run: Run): PerformanceMetrics {
  const successful = run.steps.filter((step) => step.status === 'completed').length;
  return {
    total_duration_ms: run.durationMs,
    step_durations: run.steps.map((step, index) => ({ step_index: index, duration_ms: step.durationMs, status: step.status })),
    success_rate: share(successful, run.steps.length),
    total_retries: run.steps.reduce((sum, step) => sum + step.retries, 0),
    error_count: run.steps.filter((step) => step.status === 'failed').length + (run.error ? 1 : 0),
    total_steps: run.steps.length,
    successful_steps: successful,
  };
}

export function analyze(run: Run): Analysis {
  const patterns = patternsOf(run);
  return { patterns, suggestions: patterns.flatMap(suggestionsFor), performance_metrics: performanceOf(run) };
}

export interface StoredAnalysis extends Analysis {
  execution_id: string;
  analyzed_at: string;
}

/** `learning_data`: the last 50 analyses (oldest first) and the latest's parts. */
export interface LearningData {
  analyses: StoredAnalysis[];
  latest_patterns: Pattern[];
  latest_suggestions: Suggestion[];
  latest_performance: PerformanceMetrics | null;
  last_analyzed_at: string | null;
  analysis_count: number;
}

export const KEPT_ANALYSES = 50;

/** The recipe's learning data with one more analysis. */
export function withAnalysis(previous: unknown, analysis: StoredAnalysis): LearningData {
  const data = (previous && typeof previous === 'object' ? previous : {}) as Partial<LearningData>;
  const analyses = [...(Array.isArray(data.analyses) ? data.analyses : []), analysis].slice(-KEPT_ANALYSES);
  return {
    analyses,
    latest_patterns: analysis.patterns,
    latest_suggestions: analysis.suggestions,
    latest_performance: analysis.performance_metrics,
    last_analyzed_at: analysis.analyzed_at,
    analysis_count: (typeof data.analysis_count === 'number' ? data.analysis_count : 0) + 1,
  };
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/**
 * What `GET …/suggestions` lists: the suggestions of the kept analyses, one per kind and step,
 * with how many analyses made it and the latest wording, most urgent and most frequent first.
 */
export function aggregateSuggestions(data: LearningData | null): (Suggestion & { occurrences: number; last_seen_at: string })[] {
  const byKey = new Map<string, Suggestion & { occurrences: number; last_seen_at: string }>();
  for (const analysis of data?.analyses ?? []) {
    for (const suggestion of analysis.suggestions) {
      const key = `${suggestion.type}:${suggestion.pattern}:${suggestion.step_id ?? ''}`;
      const seen = byKey.get(key);
      const priority = seen && RANK[seen.priority] < RANK[suggestion.priority] ? seen.priority : suggestion.priority;
      byKey.set(key, { ...suggestion, priority, occurrences: (seen?.occurrences ?? 0) + 1, last_seen_at: analysis.analyzed_at });
    }
  }
  return [...byKey.values()].sort((a, b) => RANK[a.priority] - RANK[b.priority] || b.occurrences - a.occurrences || (a.step_id ?? '').localeCompare(b.step_id ?? ''));
}
