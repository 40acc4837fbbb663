import { styleText } from 'node:util';
import { elapsed, keyOf, stepRows, totals, type ExecutionDetail } from './executions.ts';
import { duration, lower, usd } from './table.ts';

/** What the live view shows besides the execution: the text the running steps have streamed so far. */
export interface Live {
  /** Streamed text by step key (`step` or `step[item]`), cleared when an attempt starts. */
  text: Map<string, string>;
  /** The step whose text arrived last: the one the view shows. */
  streaming?: string;
  /** A line under the view: a hint, or what the person is asked. */
  note?: string;
  /** Whether events arrive: shown until the run ends, so a quiet view is not mistaken for a stuck one. */
  connection?: 'connecting' | 'live' | 'reconnecting';
}

const MARKS: Record<string, [string, 'green' | 'yellow' | 'red' | 'gray' | 'cyan']> = {
  completed: ['✓', 'green'],
  running: ['●', 'cyan'],
  pending: ['·', 'gray'],
  awaiting_approval: ['?', 'yellow'],
  failed: ['✗', 'red'],
  rejected: ['✗', 'red'],
  skipped: ['-', 'gray'],
  stopped: ['■', 'gray'],
};

const TEXT_LINES = 8;

/** Cuts a line to the terminal's width, so the view's height is its number of lines (none wrap). */
const fit = (line: string, width: number) => ([...line].length > width ? `${[...line].slice(0, Math.max(width - 1, 0)).join('')}…` : line);

/**
 * The live view as lines, none wider than `width`: a header with status, steps done, tokens, cost
 * and elapsed time; a row per step; and the last lines the streaming step has written.
 */
export function renderView(execution: ExecutionDetail, live: Live, { width, now = Date.now(), color = false }: { width: number; now?: number; color?: boolean }): string[] {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (color ? styleText(style, text) : text);
  const { tokens, cost } = totals(execution);
  const status = lower(execution.status);
  const header = `${execution.workflowName}  ${execution.id}`;
  const summary = `${status} · ${execution.stepsCompleted}/${execution.stepsTotal} steps · ${tokens} tokens · ${usd(cost)} · ${duration(elapsed(execution.startedAt, execution.completedAt, now))}${live.connection ? ` · ${live.connection}` : ''}`;
  const rows = stepRows(execution, now);
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, i) => Math.max(max[i] ?? 0, cell.length)), []);
  const lines = [paint('bold', fit(header, width)), fit(summary, width)];
  rows.forEach((row, index) => {
    const [mark, style] = MARKS[lower(execution.steps[index].status)] ?? ['·', 'gray'];
    const text = fit(`  ${mark} ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}`, width);
    lines.push(paint(style, text));
  });
  if (execution.error) lines.push(paint('red', fit(`error: ${execution.error}`, width)));
  const streaming = live.streaming && execution.steps.some((step) => keyOf(step.stepId, step.itemIndex) === live.streaming && step.status === 'RUNNING') ? live.streaming : undefined;
  if (streaming) {
    lines.push(paint('gray', fit(`── ${streaming} ${'─'.repeat(Math.max(width - streaming.length - 4, 0))}`, width)));
    lines.push(...tail(live.text.get(streaming) ?? '', width, TEXT_LINES));
  }
  if (live.note) lines.push(fit(live.note, width));
  return lines;
}

/** The last `count` lines of `text` once wrapped at `width`. */
function tail(text: string, width: number, count: number): string[] {
  const wrapped = text.split('\n').flatMap((line) => {
    const chars = [...line];
    if (chars.length === 0) return [''];
    const pieces: string[] = [];
    for (let i = 0; i < chars.length; i += width) pieces.push(chars.slice(i, i + width).join(''));
    return pieces;
  });
  return wrapped.slice(-count);
}
