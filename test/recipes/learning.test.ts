import { describe, expect, it } from 'vitest';
import { aggregateSuggestions, analyze, KEPT_ANALYSES, withAnalysis, type StoredAnalysis } from '../../src/recipes/learning.ts';
import type { Run, RunStep } from '../../src/recipes/run.ts';

const step = (over: Partial<RunStep> = {}): RunStep => ({
  stepId: 's', order: 1, agentId: 'agent_a', status: 'completed', output: 'done', error: null, retries: 0, durationMs: 1_000, tokens: 10, timeoutMs: 300_000, ...over,
});
const run = (over: Partial<Run> = {}): Run => ({
  status: 'completed', error: null, output: 'final', durationMs: 2_000, totalTimeoutMs: 600_000, expectedSteps: 1, steps: [step()], outputs: {}, inputs: {}, givenInputs: {}, ...over,
});
const kinds = (value: Run) => {
  const { patterns, suggestions } = analyze(value);
  return { patterns: patterns.map((p) => `${p.type}:${p.severity}`), suggestions: suggestions.map((s) => `${s.type}:${s.priority}`) };
};

describe('learning rules (§5): each pattern and its suggestions', () => {
  it.each<[string, Run, string[], string[]]>([
    ['a clean run finds nothing', run(), [], []],
    ['failure: the execution failed', run({ status: 'failed', error: 'stopped by timeout', steps: [] }), ['failure:high'], ['prompt_rewrite:high']],
    ['step_failure', run({ status: 'completed', steps: [step({ status: 'failed', error: 'overloaded', output: null })] }), ['step_failure:high'], ['prompt_rewrite:high', 'model_upgrade:medium']],
    ['slow_step: over 30 s', run({ steps: [step({ durationMs: 30_001 })] }), ['slow_step:medium'], ['prompt_rewrite:medium']],
    ['exactly 30 s is not slow', run({ steps: [step({ durationMs: 30_000 })] }), [], []],
    ['empty_output', run({ steps: [step({ output: '' })] }), ['empty_output:low'], ['prompt_rewrite:low']],
    ['retry_needed, 1 retry', run({ steps: [step({ retries: 1 })] }), ['retry_needed:medium'], ['tool_addition:medium']],
    ['retry_needed, 3 retries also suggests a model upgrade', run({ steps: [step({ retries: 3 })] }), ['retry_needed:medium'], ['tool_addition:medium', 'model_upgrade:high']],
    ['missing_input suggests nothing', run({ inputs: { topic: { type: 'string', required: true }, tone: { type: 'string' } }, givenInputs: { topic: '' } }), ['missing_input:high'], []],
  ])('%s', (_name, value, patterns, suggestions) => expect(kinds(value)).toEqual({ patterns, suggestions }));

  it('suggestions name the step and the failure', () => {
    const { suggestions, patterns } = analyze(run({ steps: [step({ stepId: 'write', status: 'failed', error: 'overloaded' })] }));
    expect(patterns[0]).toMatchObject({ step_id: 'write', step_index: 0, agent_id: 'agent_a', error: 'overloaded' });
    expect(suggestions[0]).toMatchObject({ step_id: 'write', pattern: 'step_failure' });
    expect(suggestions[0].description).toContain('write');
    expect(suggestions[0].description).toContain('overloaded');
  });

  it('performance metrics', () => {
    expect(analyze(run({ durationMs: 5_000, steps: [step({ durationMs: 2_000 }), step({ status: 'failed', error: 'x', durationMs: 100, retries: 2 })] })).performance_metrics).toEqual({
      total_duration_ms: 5_000,
      step_durations: [{ step_index: 0, duration_ms: 2_000, status: 'completed' }, { step_index: 1, duration_ms: 100, status: 'failed' }],
      success_rate: 0.5,
      total_retries: 2,
      error_count: 1,
      total_steps: 2,
      successful_steps: 1,
    });
  });
});

describe('learning_data', () => {
  const stored = (i: number, failing: boolean): StoredAnalysis => ({
    execution_id: `exec_${i}`,
    analyzed_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    ...analyze(run({ steps: [step({ stepId: 'write', ...(failing ? { status: 'failed', error: 'boom' } : {}) })] })),
  });

  it('keeps the last 50 analyses and the latest parts, counting every one', () => {
    let data = withAnalysis(null, stored(0, true));
    for (let i = 1; i < 60; i++) data = withAnalysis(data, stored(i, i % 2 === 0));
    expect(data.analyses).toHaveLength(KEPT_ANALYSES);
    expect(data.analyses[0].execution_id).toBe('exec_10');
    expect(data.analysis_count).toBe(60);
    expect(data.last_analyzed_at).toBe(stored(59, false).analyzed_at);
    expect(data.latest_patterns).toEqual([]);
  });

  it('suggestions aggregate the kept analyses, with how often', () => {
    let data = withAnalysis(null, stored(0, true));
    data = withAnalysis(data, stored(1, false));
    data = withAnalysis(data, stored(2, true));
    const aggregated = aggregateSuggestions(data);
    expect(aggregated.map((s) => [s.type, s.step_id, s.occurrences])).toEqual([
      ['prompt_rewrite', 'write', 2],
      ['model_upgrade', 'write', 2],
    ]);
    expect(aggregated[0].last_seen_at).toBe(stored(2, true).analyzed_at);
    expect(aggregateSuggestions(null)).toEqual([]);
  });
});
