import type { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** Every option of every command, for node:util's parseArgs (each command reads the ones it takes). */
export const OPTIONS = {
  role: { type: 'string' },
  json: { type: 'boolean' },
  tenant: { type: 'string' },
  url: { type: 'string' },
  input: { type: 'string', multiple: true, short: 'i' },
  watch: { type: 'boolean', short: 'w' },
  status: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  after: { type: 'string' },
  reason: { type: 'string' },
  'budget-tokens': { type: 'string' },
  'budget-usd': { type: 'string' },
  'usd-per-day': { type: 'string' },
  'usd-per-month': { type: 'string' },
  'tokens-per-day': { type: 'string' },
  'max-calls': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A numeric option's value (the server checks its range and names what is wrong). */
export function numberOption(given: string | undefined, name: string): number | undefined {
  if (given === undefined) return undefined;
  const value = Number(given);
  if (given.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${name} needs a number, not "${given}"`);
  return value;
}
