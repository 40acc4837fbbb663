import { resolve } from 'node:path';

/** The one parsed view of process.env. Nothing else in Baton reads process.env. */
export interface Env {
  /** Postgres to use; unset → the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Redis for event fan-out across processes; unset → in-process pub/sub. */
  redisUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  port: number;
  /** Base of links Baton hands out (share links); defaults to http://localhost:<port>. */
  publicUrl: string;
  dataDir: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
}

export class EnvError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EnvError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function url(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    new URL(raw);
  } catch {
    throw new EnvError(`${name} is not a valid URL: "${raw}"`);
  }
  return raw;
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const port = integer('PORT', source.PORT, 4000, 0, 65535);
  return {
    databaseUrl: url('DATABASE_URL', source.DATABASE_URL),
    redisUrl: url('REDIS_URL', source.REDIS_URL),
    anthropicApiKey: source.ANTHROPIC_API_KEY || undefined,
    anthropicBaseUrl: url('ANTHROPIC_BASE_URL', source.ANTHROPIC_BASE_URL),
    port,
    publicUrl: (url('PUBLIC_URL', source.PUBLIC_URL) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    dataDir: resolve(source.BATON_DATA_DIR || '.baton'),
    bodyLimit: integer('BATON_BODY_LIMIT', source.BATON_BODY_LIMIT, 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}
