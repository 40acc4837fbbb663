import { describe, field, type Problems } from './problems.ts';
import { choice, count, duration, flag, isRecord, read, type Source } from './fields.ts';
import { readJudge } from './judge.ts';

export const MODES = ['sequential', 'parallel'] as const;
export type Mode = (typeof MODES)[number];

/** `execution_config`, read: every duration in milliseconds, every default filled. */
export interface ExecutionConfig {
  mode: Mode;
  maxRetries: number;
  timeoutMs: number;
  totalTimeoutMs: number;
  /** null: no limit. */
  parallelLimit: number | null;
  retryDelayMs: number;
}

/** The recipe API's defaults (spec §2): `{mode: "sequential", max_retries: 1, timeout_per_step: 300, total_timeout: 600}`, retry_delay 5 s. */
export const DEFAULTS: ExecutionConfig = { mode: 'sequential', maxRetries: 1, timeoutMs: 300_000, totalTimeoutMs: 600_000, parallelLimit: null, retryDelayMs: 5_000 };

/** The markdown language's limits, so a recipe cannot ask the engine for more than a workflow could. */
export const MAX_RETRIES = 10;
export const MAX_STEP_TIMEOUT_MS = 24 * 3_600_000;
const MAX_TOTAL_TIMEOUT_MS = 7 * 24 * 3_600_000;
const MAX_RETRY_DELAY_MS = 3_600_000;

export function readConfig(recipe: Record<string, unknown>, problems: Problems): ExecutionConfig {
  const value = read(recipe, 'execution_config');
  const path = field('$', 'execution_config');
  if (value === undefined) return { ...DEFAULTS };
  if (!isRecord(value)) {
    problems.add(path, 'INVALID_TYPE', `\`execution_config\` must be an object, not ${describe(value)}.`);
    return { ...DEFAULTS };
  }
  const source: Source = { object: value, path, problems };
  // Read for its type only: learning is the library's business, not the plan's.
  flag(source, 'auto_learning');
  flag(source, 'auto_learn');
  const judge = readJudge(value.judge);
  if (typeof judge === 'string') problems.add(field(path, 'judge'), 'INVALID_VALUE', judge);
  return {
    mode: choice(source, 'mode', MODES) ?? DEFAULTS.mode,
    maxRetries: count(source, 'max_retries', 0, MAX_RETRIES) ?? DEFAULTS.maxRetries,
    timeoutMs: duration(source, 'timeout_per_step', true, MAX_STEP_TIMEOUT_MS) ?? DEFAULTS.timeoutMs,
    totalTimeoutMs: duration(source, 'total_timeout', true, MAX_TOTAL_TIMEOUT_MS) ?? DEFAULTS.totalTimeoutMs,
    parallelLimit: count(source, 'parallel_limit', 1, 1000) ?? DEFAULTS.parallelLimit,
    retryDelayMs: duration(source, 'retry_delay', false, MAX_RETRY_DELAY_MS) ?? DEFAULTS.retryDelayMs,
  };
}
