import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** AES-256-GCM with a random 96-bit nonce per value: `v1.<nonce>.<tag>.<ciphertext>`, each base64url. */
const VERSION = 'v1';

/**
 * The key tool servers' secrets are encrypted with: BATON_SECRET_KEY, or the one generated into the
 * data directory on first start (`secret.key`, readable by its owner only). Processes that share a
 * database must share the key: set BATON_SECRET_KEY when they run on different hosts.
 */
export async function loadSecretKey(configured: Buffer | undefined, dataDir: string): Promise<Buffer> {
  if (configured) return configured;
  const path = join(dataDir, 'secret.key');
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    // `wx`: when two processes start at once, one writes and the other reads the winner's key.
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  }
}

export function seal(key: Buffer, value: unknown): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, nonce, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The sealed value; throws when it was sealed with another key or changed since. */
export function unseal<T>(key: Buffer, sealed: string): T {
  const [version, nonce, tag, data] = sealed.split('.');
  if (version !== VERSION || !data) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as T;
}
