/**
 * GraphiQL's page (rendered by yoga) loads its script, styles and editor workers from unpkg; it may
 * talk only to this origin, and no page may frame it.
 */
const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' https://unpkg.com",
  "style-src 'self' 'unsafe-inline' https://unpkg.com",
  "worker-src 'self' blob: https://unpkg.com",
  "font-src 'self' data: https://unpkg.com",
  "img-src 'self' data: https:",
  "connect-src 'self' ws: wss: https://unpkg.com",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Every HTML page carries a CSP (its own, or GraphiQL's), frame protection, nosniff and a referrer policy: the ones it lacks. */
export function htmlHeaders(response: Response): Record<string, string> {
  if (!/^text\/html/.test(response.headers.get('content-type') ?? '')) return {};
  const defaults: Record<string, string> = {
    'content-security-policy': GRAPHIQL_CSP,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => !response.headers.has(name)));
}
