import { didYouMean, type Notes } from './notes.ts';
import type { Property } from './properties.ts';

/** Readers of property values: each reports a clear error at the value and returns undefined when it is bad. */

export function integer(property: Property, min: number, max: number, notes: Notes): number | undefined {
  const value = Number(property.value);
  if (!/^\d+$/.test(property.value) || value < min || value > max) {
    notes.error('INVALID_VALUE', `\`${property.key}\` must be a whole number from ${min} to ${max}, not \`${property.value}\`.`, property.valueAt);
    return undefined;
  }
  return value;
}

export function decimal(property: Property, min: number, max: number, notes: Notes): number | undefined {
  const value = Number(property.value);
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(property.value) || value < min || value > max) {
    notes.error('INVALID_VALUE', `\`${property.key}\` must be a number from ${min} to ${max}, not \`${property.value}\`.`, property.valueAt);
    return undefined;
  }
  return value;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000 };

/** `90s`, `5m`, `1h`, `500ms` → milliseconds. */
export function duration(property: Property, maxMs: number, notes: Notes, minMs = 0): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(property.value);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  const ms = match && unit ? Math.round(Number(match[1]) * unit) : NaN;
  if (Number.isNaN(ms) || ms > maxMs || ms < minMs) {
    const range = minMs > 0 ? `more than 0 and at most ${maxMs / 3_600_000}h` : `at most ${maxMs / 3_600_000}h`;
    notes.error('INVALID_VALUE', `\`${property.key}\` must be a duration such as \`90s\`, \`5m\` or \`1h\` (${range}), not \`${property.value}\`.`, property.valueAt);
    return undefined;
  }
  return ms;
}

export function choice<T extends string>(property: Property, options: readonly T[], notes: Notes): T | undefined {
  const value = property.value.toLowerCase() as T;
  if (options.includes(value)) return value;
  notes.error('INVALID_VALUE', `\`${property.key}\` must be one of ${options.map((o) => `\`${o}\``).join(', ')}, not \`${property.value}\`.${didYouMean(property.value, options)}`, property.valueAt);
  return undefined;
}

/** Comma-separated names, trimmed, without empties or repeats. */
export function list(property: Property): string[] {
  return [...new Set(property.value.split(',').map((part) => part.trim()).filter(Boolean))];
}
