/**
 * GraphiQL's page (src/server/graphiql-page.ts) loads every file from this origin and talks only to
 * it, and no page may frame it. Its one allowance is inline style: the editor (Monaco) and GraphiQL
 * add <style> elements and style attributes as they run, which no hash can name in advance; script
 * stays limited to the served files.
 */
const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self'",
  // GraphiQL's styles carry their fonts and icons as data: URLs.
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
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
