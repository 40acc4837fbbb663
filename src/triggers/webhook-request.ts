import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError, ValidationError } from '../errors.ts';

// What an inbound webhook request says, read from its raw bytes: pure, so each rule is testable alone.

/** Where senders put the signature: GitHub's header, and a generic one with the same format. */
export const SIGNATURE_HEADERS = ['x-hub-signature-256', 'x-webhook-signature'] as const;
/** Where senders put a delivery id: GitHub's, and the common Idempotency-Key. */
export const DELIVERY_HEADERS = ['x-github-delivery', 'idempotency-key'] as const;
const MAX_DELIVERY_ID = 200;

/**
 * Checks the HMAC-SHA256 of the raw body under the trigger's secret: `sha256=<hex>` or `<hex>`,
 * compared in constant time. Missing or wrong is an UnauthenticatedError (401) saying which.
 */
export function verifySignature(headers: Headers, body: Uint8Array, secret: string): void {
  const header = SIGNATURE_HEADERS.find((name) => headers.has(name));
  if (!header) {
    throw new UnauthenticatedError(`This webhook has a secret, so deliveries must be signed: send the HMAC-SHA256 of the raw body under the secret as hex in ${SIGNATURE_HEADERS.join(' or ')} (optionally prefixed with sha256=)`);
  }
  const sent = headers.get(header)!.trim().replace(/^sha256=/i, '');
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = /^[0-9a-f]{64}$/i.test(sent) ? Buffer.from(sent, 'hex') : undefined;
  if (!given) throw new UnauthenticatedError(`${header} is not an HMAC-SHA256 signature: expected 64 hex digits, optionally prefixed with sha256=`);
  if (!timingSafeEqual(given, expected)) throw new UnauthenticatedError(`${header} does not match the body: it is not its HMAC-SHA256 under this webhook's secret`);
}

/** The delivery id that makes a repeat start nothing, if the sender gave one. */
export function deliveryIdOf(headers: Headers): string | undefined {
  const header = DELIVERY_HEADERS.find((name) => headers.get(name)?.trim());
  if (!header) return undefined;
  const id = headers.get(header)!.trim();
  if (id.length > MAX_DELIVERY_ID) throw new ValidationError('Invalid delivery id', `${header} is longer than ${MAX_DELIVERY_ID} characters`);
  return id;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError('Invalid JSON', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ValidationError('Invalid payload', `${what} must be a JSON object whose fields are the workflow's inputs, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 50) ?? typeof value}`);
}

/**
 * The inputs a body stands for: a JSON object as it is; a form's `payload` field parsed as JSON
 * (GitHub's form deliveries); any other body as `{raw: <text>}`; no body as `{}`.
 */
export function inputsOf(headers: Headers, body: Uint8Array): Record<string, unknown> {
  if (!body.length) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ValidationError('Invalid body', 'The body is not UTF-8 text; webhooks take JSON, a form with a `payload` field, or text');
  }
  const type = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return asObject(parseJson(text, 'The body'), 'A JSON body');
  if (type === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload !== null) return asObject(parseJson(payload, 'The form field `payload`'), 'The form field `payload`');
  }
  return { raw: text };
}
