import { createHmac, randomBytes } from 'node:crypto';

// Outbound notifications follow Standard Webhooks (standardwebhooks.com): the body is
// `{type, timestamp, data}`; `webhook-id` is the delivery's id (the same on every retry, so receivers
// can drop repeats), `webhook-timestamp` the attempt's time in Unix seconds, and `webhook-signature`
// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the endpoint's secret. Any Standard Webhooks
// library verifies them.

const PREFIX = 'whsec_';
/** The secret's key, in bytes: at least 192 bits; at most what an HMAC-SHA256 key usefully holds. */
const KEY_BYTES = { min: 24, max: 64 };

/** A new signing secret: `whsec_` and 24 random bytes in base64, as Standard Webhooks writes them. */
export function newSigningSecret(): string {
  return `${PREFIX}${randomBytes(KEY_BYTES.min).toString('base64')}`;
}

function keyOf(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= KEY_BYTES.min && key.length <= KEY_BYTES.max ? key : undefined;
}

/** The problem with a secret a client chose, else undefined. */
export function secretProblem(secret: unknown): string | undefined {
  if (typeof secret === 'string' && keyOf(secret)) return undefined;
  return `\`secret\` must be "${PREFIX}" followed by ${KEY_BYTES.min} to ${KEY_BYTES.max} bytes in base64 (the Standard Webhooks form, which its libraries verify with); leave it out and one is generated and shown once`;
}

/** The Standard Webhooks headers of one attempt to send `body`. */
export function signatureHeaders(id: string, body: string, secret: string, at = new Date()): Record<string, string> {
  const key = keyOf(secret);
  if (!key) throw new Error('not a signing secret');
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
