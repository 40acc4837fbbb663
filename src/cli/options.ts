import type { parseArgs } from 'node:util';

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
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
