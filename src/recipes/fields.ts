import { didYouMean } from '../compiler/notes.ts';
import { describe, field, type Problems } from './problems.ts';

export type Fields = Record<string, unknown>;

export const isRecord = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * An own field's value; null counts as absent, since JSON written by other tools (Python's
 * `None`) often spells "not set" that way.
 */
export function read(object: Fields, key: string): unknown {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  return value === null ? undefined : value;
}

/** Where one object is read from: the object, its path, and the problems to report to. */
export interface Source {
  object: Fields;
  path: string;
  problems: Problems;
}

export function text(source: Source, key: string, required: boolean): string | undefined {
  const value = read(source.object, key);
  const path = field(source.path, key);
  if (value === undefined) {
    if (required) source.problems.add(path, 'MISSING_FIELD', `\`${key}\` is required.`);
    return undefined;
  }
  if (typeof value !== 'string') {
    source.problems.add(path, 'INVALID_TYPE', `\`${key}\` must be a string, not ${describe(value)}.`);
    return undefined;
  }
  if (required && !value.trim()) {
    source.problems.add(path, 'MISSING_FIELD', `\`${key}\` must not be empty.`);
    return undefined;
  }
  return value;
}

export function flag(source: Source, key: string): boolean | undefined {
  const value = read(source.object, key);
  if (value === undefined || typeof value === 'boolean') return value;
  source.problems.add(field(source.path, key), 'INVALID_TYPE', `\`${key}\` must be true or false, not ${describe(value)}.`);
  return undefined;
}

/** A whole number in [min, max]. */
export function count(source: Source, key: string, min: number, max: number): number | undefined {
  const value = read(source.object, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    source.problems.add(field(source.path, key), 'INVALID_VALUE', `\`${key}\` must be a whole number from ${min} to ${max}, not ${describe(value)}.`);
    return undefined;
  }
  return value;
}

/** Durations are seconds, except that values of 10000 and more are milliseconds (as the product this API comes from reads them). */
export const MILLISECONDS_FROM = 10_000;

/** A duration in milliseconds; `positive` refuses 0 (a zero timeout would fail every step). */
export function duration(source: Source, key: string, positive: boolean, maxMs: number): number | undefined {
  const value = read(source.object, key);
  if (value === undefined) return undefined;
  const path = field(source.path, key);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    source.problems.add(path, 'INVALID_VALUE', `\`${key}\` must be a ${positive ? 'positive' : 'non-negative'} number of seconds, not ${describe(value)}.`);
    return undefined;
  }
  const ms = Math.round(value >= MILLISECONDS_FROM ? value : value * 1000);
  if (ms > maxMs) {
    source.problems.add(path, 'INVALID_VALUE', `\`${key}\` is ${ms / 1000} s; the limit is ${maxMs / 1000} s. (Values of ${MILLISECONDS_FROM} and more are read as milliseconds.)`);
    return undefined;
  }
  if (positive && ms === 0) {
    source.problems.add(path, 'INVALID_VALUE', `\`${key}\` must be at least 1 ms, not ${describe(value)}.`);
    return undefined;
  }
  return ms;
}

export function choice<T extends string>(source: Source, key: string, allowed: readonly T[]): T | undefined {
  const value = read(source.object, key);
  if (value === undefined) return undefined;
  const wanted = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (wanted !== undefined && (allowed as readonly string[]).includes(wanted)) return wanted as T;
  const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
  source.problems.add(field(source.path, key), 'INVALID_VALUE', `\`${key}\` must be one of ${allowed.join(', ')}, not ${describe(value)}.${hint}`);
  return undefined;
}
