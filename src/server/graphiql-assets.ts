import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { errorResponse, type Handler } from './http.ts';

/** One file GraphiQL's page loads from this server. */
export interface Asset {
  type: string;
  body: Uint8Array<ArrayBuffer>;
  /** A digest of the body: the page's links carry it, so browsers may cache each file for good. */
  version: string;
  gzipped?: Promise<Uint8Array<ArrayBuffer>>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function asset(type: string, body: Buffer): Asset {
  return { type, body: new Uint8Array(body), version: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
}

/** `data:<type>;base64,<bytes>` as a file of its own, so the page does not carry the icon inline. */
function fromDataUrl(url: string): Asset {
  const [, type = 'image/x-icon', data = ''] = /^data:([^;,]+);base64,(.*)$/s.exec(url) ?? [];
  return asset(type, Buffer.from(data, 'base64'));
}

const ownFile = async (name: string) => readFile(new URL(`../graphiql/${name}`, import.meta.url));

let loading: Promise<Map<string, Asset>> | undefined;

/**
 * GraphiQL's files by name: yoga's own offline build (script, styles, the editor's three workers, the
 * icon) and the page's script and styles. Loaded on first use: the build is 9 MB of JavaScript
 * that a server nobody opens GraphiQL on should neither parse nor hold.
 */
export function graphiqlAssets(): Promise<Map<string, Asset>> {
  if (loading) return loading;
  loading = (async () => {
    const build = await import('@graphql-yoga/render-graphiql/graphiql');
    const text = (type: string, body: string) => asset(type, Buffer.from(body));
    return new Map([
      ['graphiql.js', text(JS, build.js)],
      ['graphiql.css', text(CSS, build.css)],
      ['editor.worker.js', text(JS, build.editorWorkerService)],
      ['json.worker.js', text(JS, build.jsonWorker)],
      ['graphql.worker.js', text(JS, build.graphqlWorker)],
      ['favicon.ico', fromDataUrl(build.favicon)],
      ['page.js', asset(JS, await ownFile('page.js'))],
      ['page.css', asset(CSS, await ownFile('page.css'))],
    ]);
  })();
  // A failed load is tried again by the next request.
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Where the page finds a file: its path, with its version so a new build is never served from cache. */
export const assetUrl = (assets: Map<string, Asset>, name: string) => `/graphiql/${name}?v=${assets.get(name)!.version}`;

/** `GET /graphiql/:file`; compressed for browsers that accept gzip (the script is 5.3 MB, 1.5 MB gzipped). */
export function graphiqlAssetsHandler(): Handler {
  return async (request, { file }) => {
    const found = (await graphiqlAssets()).get(file);
    if (!found) return errorResponse(404, 'Not found', `GraphiQL has no file ${file}`);
    const headers: Record<string, string> = {
      'content-type': found.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (!/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) return new Response(found.body, { headers });
    // In the thread pool, once per file: compressing 5 MB on the event loop would stall every request.
    found.gzipped ??= promisify(gzip)(found.body).then((compressed) => new Uint8Array(compressed));
    return new Response(await found.gzipped, { headers: { ...headers, 'content-encoding': 'gzip' } });
  };
}
