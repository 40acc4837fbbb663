import { describe, expect, it } from 'vitest';
import { accuracy, assess, bottlenecks, completeness, cost, efficiency, emaOf, gradeOf, parsedOutput, reliability, timeScore } from '../../src/recipes/quality.ts';
import type { Run, RunStep } from '../../src/recipes/run.ts';

const step = (over: Partial<RunStep> = {}): RunStep => ({
  stepId: 's', order: 1, agentId: 'agent_a', status: 'completed', output: 'done', error: null, retries: 0, durationMs: 1_000, tokens: 0, timeoutMs: 300_000, ...over,
});
const run = (over: Partial<Run> = {}): Run => ({
  status: 'completed', error: null, output: 'final', durationMs: 2_000, totalTimeoutMs: 600_000, expectedSteps: 2,
  steps: [step({ stepId: 'a' }), step({ stepId: 'b', order: 2 })], outputs: {}, inputs: {}, givenInputs: {}, ...over,
});
const failedRun = (over: Partial<Run> = {}) =>
  run({ status: 'failed', error: 'Step a failed: boom', output: null, steps: [step({ stepId: 'a', status: 'failed', output: null, error: 'boom' }), step({ stepId: 'b', status: 'failed', output: null, error: 'boom' })], ...over });

describe('completeness = 0.5 × completed/expected + 0.3 × with output/expected + 0.2 × status', () => {
  it.each<[string, Run, number]>([
    ['a perfect run reaches 1', run(), 1],
    ['zero steps (nothing expected, nothing missing)', run({ expectedSteps: 0, steps: [] }), 1],
    ['all failed', failedRun(), 0],
    ['half done and still running', run({ status: 'running', output: null, steps: [step()] }), 0.5 * 0.5 + 0.3 * 0.5 + 0.2 * 0.3],
    ['completed with an empty output', run({ steps: [step({ stepId: 'a' }), step({ stepId: 'b', output: '  ' })] }), 0.5 + 0.15 + 0.2],
    ['pending: nothing started', run({ status: 'pending', output: null, steps: [] }), 0],
  ])('%s', (_name, value, expected) => expect(completeness(value)).toBeCloseTo(expected, 6));
});

describe('accuracy = 0.5 × steps without error + 0.3 × outputs keys in the parsed final output + 0.2 × no execution error', () => {
  it.each<[string, Run, number]>([
    ['no outputs schema counts as all keys present', run(), 1],
    ['all failed (no outputs schema still counts)', failedRun(), 0.3],
    ['zero steps', run({ expectedSteps: 0, steps: [] }), 1],
    ['every key in the JSON final output', run({ outputs: { title: {}, body: {} }, output: '{"title": "T", "body": "B"}' }), 1],
    ['half the keys, in a fenced block', run({ outputs: { title: {}, body: {} }, output: 'Here:\n```json\n{"title": "T"}\n```' }), 0.5 + 0.15 + 0.2],
    ['a schema but a final output that is not JSON', run({ outputs: { title: {} }, output: '# Title' }), 0.7],
    ['one of two steps failed, execution error', run({ status: 'failed', error: 'x', steps: [step(), step({ status: 'failed', error: 'x' })] }), 0.25 + 0.3],
  ])('%s', (_name, value, expected) => expect(accuracy(value)).toBeCloseTo(expected, 6));

  it('reads the final output, not an envelope', () => {
    expect(parsedOutput('{"a":1}')).toEqual({ a: 1 });
    expect(parsedOutput('[1]')).toBeNull();
    expect(parsedOutput(null)).toBeNull();
  });
});

describe('efficiency = 0.4 × per-step time + 0.3 × total time + 0.3 × max(0, 1 − 0.25 × mean retries)', () => {
  it.each<[number, number, number]>([
    [0, 100, 1],
    [50, 100, 1],
    [75, 100, 1 - 0.5 * 0.75],
    [100, 100, 0.5],
    [101, 100, 0],
  ])('time score of %i ms against a %i ms timeout is %f', (duration, timeout, expected) => expect(timeScore(duration, timeout)).toBeCloseTo(expected, 6));

  it.each<[string, Run, number]>([
    ['a fast run reaches 1', run(), 1],
    ['zero steps', run({ expectedSteps: 0, steps: [] }), 1],
    ['every step and the total over their timeouts', run({ durationMs: 700_000, steps: [step({ durationMs: 400_000 })] }), 0.3],
    ['two retries on average', run({ steps: [step({ retries: 2 }), step({ retries: 2 })] }), 0.7 + 0.3 * 0.5],
    ['eight retries on average floors at 0', run({ steps: [step({ retries: 8 })] }), 0.7],
    ['a running step (no duration yet) is not timed', run({ status: 'running', steps: [step({ durationMs: null, status: 'running' })] }), 1],
  ])('%s', (_name, value, expected) => expect(efficiency(value)).toBeCloseTo(expected, 6));
});

describe('reliability = 0.4 × status + 0.3 × max(0, 1 − 0.3 × high − 0.1 × medium) + 0.3 × (1 − failed/steps)', () => {
  it.each<[string, Run, { severity: 'high' | 'medium' | 'low' }[], number]>([
    ['a perfect run reaches 1', run(), [], 1],
    ['all failed with two high patterns', failedRun(), [{ severity: 'high' }, { severity: 'high' }], 0.3 * 0.4],
    ['four high patterns floor at 0', failedRun(), [{ severity: 'high' }, { severity: 'high' }, { severity: 'high' }, { severity: 'high' }], 0],
    ['running, one medium pattern', run({ status: 'running' }), [{ severity: 'medium' }], 0.28 + 0.27 + 0.3],
    ['pending, zero steps', run({ status: 'pending', steps: [] }), [], 0.2 + 0.3 + 0.3],
    ['cancelled', run({ status: 'cancelled' }), [{ severity: 'low' }], 0.08 + 0.3 + 0.3],
  ])('%s', (_name, value, patterns, expected) => expect(reliability(value, patterns)).toBeCloseTo(expected, 6));
});

describe('cost = 0.3 × retries + 0.3 × useful steps + 0.2 × expected/actual + 0.2 × tokens', () => {
  it.each<[string, Run, number]>([
    ['no tokens, no retries reaches 1', run(), 1],
    ['zero steps', run({ expectedSteps: 0, steps: [] }), 1],
    ['100,000 tokens and more cost the whole token part', run({ steps: [step({ tokens: 60_000 }), step({ tokens: 40_000 })] }), 0.8],
    ['50,000 tokens', run({ steps: [step({ tokens: 50_000 })], expectedSteps: 1 }), 0.9],
    ['all failed', failedRun(), 0.3 + 0.2 + 0.2],
    ['retries = 2 × steps floor at 0', run({ steps: [step({ retries: 2 }), step({ retries: 2 })] }), 0.7],
    ['more steps ran than expected (a for-each)', run({ expectedSteps: 1 }), 0.3 + 0.3 + 0.1 + 0.2],
  ])('%s', (_name, value, expected) => expect(cost(value)).toBeCloseTo(expected, 6));
});

describe('grade, mean and the EMA', () => {
  it.each<[number, string]>([
    [1, 'A'], [0.9, 'A'], [0.8999, 'B'], [0.75, 'B'], [0.7499, 'C'], [0.6, 'C'], [0.5999, 'D'], [0.4, 'D'], [0.3999, 'F'], [0, 'F'],
  ])('%f is %s', (score, grade) => expect(gradeOf(score)).toBe(grade));

  it('the score is the mean of the five; a perfect run is an A with 1', () => {
    expect(assess(run())).toEqual({ quality_score: 1, breakdown: { completeness: 1, accuracy: 1, efficiency: 1, reliability: 1, cost: 1 }, grade: 'A', bottlenecks: [] });
    const failed = assess(failedRun());
    const values = Object.values(failed.breakdown);
    expect(failed.quality_score).toBeCloseTo(values.reduce((a, b) => a + b) / 5, 4);
    // All failed, quickly and cheaply: 0 + 0.3 + 1 + 0.3 + 0.7 over 5.
    expect(failed.quality_score).toBe(0.46);
    expect(failed.grade).toBe('D');
    expect(assess(failedRun(), [{ severity: 'high' }]).grade).toBe('D');
    expect(assess(failedRun({ durationMs: 700_000, steps: [step({ status: 'failed', output: null, error: 'x', durationMs: 400_000, tokens: 100_000 })] })).grade).toBe('F');
  });

  it('the recipe score is 0.3 × new + 0.7 × old, the first taken as is', () => {
    expect(emaOf(null, 0.8)).toBe(0.8);
    expect(emaOf(0.5, 1)).toBeCloseTo(0.65, 6);
  });
});

describe('bottlenecks', () => {
  it('the 3 slowest steps over 5 s, every failed step, steps with ≥ 2 retries', () => {
    const steps = [
      step({ stepId: 'a', durationMs: 5_000 }),
      step({ stepId: 'b', durationMs: 9_000 }),
      step({ stepId: 'c', durationMs: 7_000, retries: 2 }),
      step({ stepId: 'd', durationMs: 6_000, retries: 1 }),
      step({ stepId: 'e', durationMs: 8_000, status: 'failed', error: 'boom' }),
    ];
    const found = bottlenecks(run({ steps, expectedSteps: 5 }));
    expect(found.map((b) => [b.type, b.step_id, b.step_index])).toEqual([
      ['slow_step', 'b', 1],
      ['slow_step', 'e', 4],
      ['slow_step', 'c', 2],
      ['failed_step', 'e', 4],
      ['high_retry_step', 'c', 2],
    ]);
    expect(found[3]).toMatchObject({ agent_id: 'agent_a', error: 'boom', description: 'Step e failed: boom' });
    expect(found[0]).toMatchObject({ duration_ms: 9_000 });
  });
});
