import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from './errors.ts';

/** Where the API is and who calls it. */
export interface Connection {
  url: string;
  apiKey: string;
  tenantId: string;
}

const CREDENTIALS_HINT = 'set BATON_API_KEY and BATON_TENANT_ID, or run it where `baton serve` saved credentials.json (BATON_DATA_DIR)';

/**
 * The API's address from `--url` or BATON_URL (default http://localhost:4000); the key and tenant from
 * BATON_API_KEY and BATON_TENANT_ID, or else the credentials.json the server's first start saved in
 * BATON_DATA_DIR (default ./.baton), which is what a user on the server's own machine has.
 */
export async function connectionFrom(flags: { url?: string; tenant?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const url = (flags.url ?? env.BATON_URL ?? 'http://localhost:4000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliError(`--url must be an http(s) address, not "${url}"`, 'e.g. --url http://localhost:4000');
  let apiKey = env.BATON_API_KEY;
  let tenantId = flags.tenant ?? env.BATON_TENANT_ID;
  if (!apiKey || !tenantId) {
    const saved = await savedCredentials(resolve(env.BATON_DATA_DIR || '.baton'));
    apiKey ??= saved?.api_key;
    tenantId ??= saved?.tenant_id;
  }
  if (!apiKey) throw new CliError('no API key', CREDENTIALS_HINT);
  if (!tenantId) throw new CliError('no tenant id', CREDENTIALS_HINT);
  return { url, apiKey, tenantId };
}

async function savedCredentials(dataDir: string): Promise<{ api_key?: string; tenant_id?: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'credentials.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as { api_key?: string; tenant_id?: string };
  } catch {
    throw new CliError(`${join(dataDir, 'credentials.json')} is not JSON`, CREDENTIALS_HINT);
  }
}

export const headersOf = (connection: Connection) => ({ authorization: `Bearer ${connection.apiKey}`, 'x-tenant-id': connection.tenantId });
