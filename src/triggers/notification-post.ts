import http from 'node:http';
import https from 'node:https';
import { guardedLookup, literalRefusal, PrivateAddressError } from './webhook-address.ts';

/** How one attempt ended. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed_out' | 'unreachable' | 'refused' | 'interrupted';

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the receiver's answer, for whoever debugs a failing endpoint. */
  excerpt: string | null;
}

const EXCERPT_BYTES = 1024;
const USER_AGENT = 'Baton-Webhooks/1';

/**
 * POSTs `body` with `headers`. Only a 2xx answer succeeds; redirects are not followed (a redirect
 * could lead anywhere the guard forbids). The timeout covers connecting, the answer and its body,
 * so a receiver that hangs or streams forever ends the attempt, never the worker. The answer's body
 * is read to its end (so the connection can be reused) and kept only up to an excerpt.
 */
export function postNotification(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivate: boolean; stop?: AbortSignal }): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Whatever cannot even be sent (a URL or header Node refuses) is a failed attempt too, never a lost one.
  const unsendable = (error: Error): AttemptResult => ({ outcome: 'unreachable', statusCode: null, error: `Not sent: ${error.message}`, durationMs: elapsed(), excerpt: null });
  let target: URL;
  try {
    target = new URL(url);
  } catch (error) {
    return Promise.resolve(unsendable(error as Error));
  }
  const refused = options.allowPrivate ? undefined : literalRefusal(target);
  if (refused) return Promise.resolve({ outcome: 'refused', statusCode: null, error: refused.message, durationMs: 0, excerpt: null });
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.stop ? AbortSignal.any([timeout, options.stop]) : timeout;
  return new Promise<AttemptResult>((resolve) => {
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT },
      lookup: options.allowPrivate ? undefined : guardedLookup,
      signal,
    });
    const failed = (error: Error) => {
      const stopped = Boolean(options.stop?.aborted);
      const timedOut = !stopped && timeout.aborted;
      const code = error instanceof PrivateAddressError ? undefined : (error as NodeJS.ErrnoException).code;
      resolve({
        outcome: stopped ? 'interrupted' : timedOut ? 'timed_out' : error instanceof PrivateAddressError ? 'refused' : 'unreachable',
        statusCode: null,
        error: stopped ? 'Baton stopped during this attempt' : timedOut ? `No answer within ${options.timeoutMs} ms` : `${code ? `${code}: ` : ''}${error.message}`,
        durationMs: elapsed(),
        excerpt: null,
      });
    };
    request.on('error', failed);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < EXCERPT_BYTES) {
          chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
          kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
        }
      });
      response.on('error', failed);
      // Settles nothing when the answer ended first (a promise settles once).
      response.on('close', () => failed(new Error('The connection closed before the answer ended')));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const redirect = status >= 300 && status < 400 ? ` (redirects are not followed; give the final URL${response.headers.location ? `, here ${String(response.headers.location).slice(0, 200)}` : ''})` : '';
        // A NUL cannot be stored in a text column; the excerpt is for reading, not byte-exact.
        const excerpt = Buffer.concat(chunks).toString('utf8').replaceAll('\0', '\uFFFD');
        resolve({ outcome: ok ? 'succeeded' : 'failed', statusCode: status, error: ok ? null : `HTTP ${status}${redirect}`, durationMs: elapsed(), excerpt: excerpt || null });
      });
    });
    request.end(body);
  }).catch(unsendable);
}
