import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Handler } from './http.ts';

/** CSP hash sources for the bodies of the page's inline `<script>` or `<style>` elements. */
function hashes(html: string, tag: 'script' | 'style'): string {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
    .map(([, body]) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`)
    .join(' ');
}

/**
 * `GET /dashboard`: one static page (no data in it; the browser asks GraphQL with the key it keeps
 * in localStorage). Read once; its inline script and style are allowed by hash and nothing else
 * runs or loads: no other script, no frames, no images, connections only to this origin.
 */
export function dashboardHandler(): Handler {
  const html = readFileSync(new URL('../dashboard/dashboard.html', import.meta.url), 'utf8');
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${hashes(html, 'script')}`,
      `style-src ${hashes(html, 'style')}`,
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  return () => new Response(html, { headers });
}
