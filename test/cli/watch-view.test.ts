import { describe, expect, it } from 'vitest';
import type { ExecutionDetail } from '../../src/cli/executions.ts';
import { renderView } from '../../src/cli/watch-view.ts';

const step = (stepId: string, status: string, extra: Partial<ExecutionDetail['steps'][number]> = {}) =>
  ({ stepId, itemIndex: null, status, model: null, attempts: 1, startedAt: null, completedAt: null, durationMs: null, costUsd: 0, error: null, output: null, tokens: { input: 0, output: 0 }, approval: null, ...extra }) as ExecutionDetail['steps'][number];

const execution = {
  id: 'exec_1',
  workflowName: 'Briefs',
  status: 'RUNNING',
  error: null,
  startedAt: '2026-12-01T10:00:00.000Z',
  completedAt: null,
  stepsCompleted: 1,
  stepsTotal: 3,
  steps: [
    step('research', 'COMPLETED', { model: 'claude-haiku-4-5', startedAt: '2026-12-01T10:00:00.000Z', durationMs: 1200, costUsd: 0.0021, tokens: { input: 300, output: 120 } }),
    step('write', 'RUNNING', { model: 'claude-sonnet-4-5', startedAt: '2026-12-01T10:00:01.200Z' }),
    step('review', 'PENDING'),
  ],
} as unknown as ExecutionDetail;
const now = Date.parse('2026-12-01T10:00:03.000Z');

describe('the live view', () => {
  it('shows the totals, a row per step and the streaming step’s last lines', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n');
    const lines = renderView(execution, { text: new Map([['write', text]]), streaming: 'write', connection: 'live' }, { width: 80, now });
    expect(lines.slice(0, 5)).toEqual([
      'Briefs  exec_1',
      'running · 1/3 steps · 420 tokens · $0.0021 · 3.0 s · live',
      '  ✓ research  completed  claude-haiku-4-5   300→120 tok  $0.0021  1.2 s',
      '  ● write     running    claude-sonnet-4-5                        1.8 s',
      '  · review    pending',
    ]);
    expect(lines[5]).toMatch(/^── write ─+$/);
    // The last eight lines of what it wrote so far.
    expect(lines.slice(6)).toEqual(Array.from({ length: 8 }, (_, i) => `line ${i + 5}`));
  });

  it('keeps every line within the terminal’s width, so redrawing in place stays exact', () => {
    const lines = renderView(execution, { text: new Map([['write', 'x'.repeat(480)]]), streaming: 'write' }, { width: 30, now });
    expect(lines.every((line) => [...line].length <= 30)).toBe(true);
    expect(lines.filter((line) => line === 'x'.repeat(30))).toHaveLength(8);
  });

  it('shows no text for a step that is no longer running', () => {
    const done = { ...execution, steps: execution.steps.map((s) => (s.stepId === 'write' ? { ...s, status: 'COMPLETED' } : s)) } as ExecutionDetail;
    expect(renderView(done, { text: new Map([['write', 'draft']]), streaming: 'write' }, { width: 80, now }).join('\n')).not.toContain('draft');
  });
});
