import { findShared } from '../sharing/share-links.ts';
import { sharePage } from '../sharing/share-page.ts';
import type { Db } from '../store/db.ts';
import { errorResponse, type Handler } from './http.ts';

/** The public page of a share link: the current output as HTML, or raw with `Accept: text/markdown` or `?raw=1`. */
export function sharePageHandler(db: Db): Handler {
  return async (request, { slug }) => {
    const shared = await findShared(db, slug);
    if (!shared) return errorResponse(404, 'Not found', 'This link does not exist or was revoked');
    const output = shared.output ?? '';
    const url = new URL(request.url);
    const headers = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' };
    if (url.searchParams.get('raw') === '1' || /\btext\/markdown\b/.test(request.headers.get('accept') ?? '')) {
      return new Response(output, { headers: { ...headers, 'content-type': 'text/markdown; charset=utf-8' } });
    }
    return new Response(sharePage(shared.workflowName, shared.version, output, shared.outputType), {
      headers: {
        ...headers,
        'content-type': 'text/html; charset=utf-8',
        // Even if something slipped through the sanitizer, the page can run no script.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      },
    });
  };
}
