import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { errorResponse, type Handler } from './http.ts';

// The dashboard: one static page and its own files (src/dashboard/), plus dagre's ES module from
// node_modules. Nothing is built: the browser loads these files as they are.

const JS = 'text/javascript; charset=utf-8';
const TYPES: Record<string, string> = { js: JS, css: 'text/css; charset=utf-8' };

interface File {
  type: string;
  body: Buffer;
  version: string;
}

const file = (type: string, body: Buffer): File => ({ type, body, version: createHash('sha256').update(body).digest('base64url').slice(0, 16) });

function dashboardFiles(): Map<string, File> {
  const folder = new URL('../dashboard/', import.meta.url);
  const files = new Map<string, File>();
  for (const name of readdirSync(folder)) {
    const type = TYPES[name.split('.').pop()!];
    if (type) files.set(name, file(type, readFileSync(new URL(name, folder))));
  }
  // The package's "import" build: one self-contained ES module (graphlib included).
  const dagre = join(dirname(createRequire(import.meta.url).resolve('@dagrejs/dagre')), 'dagre.esm.js');
  files.set('dagre.js', file(JS, readFileSync(dagre)));
  return files;
}

const url = (name: string, found: File) => `/dashboard/assets/${name}?v=${found.version}`;
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * `GET /dashboard`: the page (no data in it; the browser asks GraphQL with the key it keeps in
 * localStorage). Its modules import each other by plain path; an import map (the one inline script,
 * allowed by its hash) sends each import to the file's versioned URL, so every file is cached for good
 * and a new build is never served from cache. Nothing else runs or loads: no other origin, no frames,
 * no images (a rendered output's images show as links), connections only to this origin.
 */
export function dashboardHandler(files = dashboardFiles()): { page: Handler; assets: Handler; templates: Handler } {
  const importMap = JSON.stringify({
    imports: Object.fromEntries([...files].filter(([, found]) => found.type === JS).map(([name, found]) => [`/dashboard/assets/${name}`, url(name, found)])),
  });
  const head = [
    `<link rel="stylesheet" href="${url('dashboard.css', files.get('dashboard.css')!)}">`,
    `<script type="importmap">${importMap}</script>`,
    `<script type="module" src="${url('app.js', files.get('app.js')!)}"></script>`,
  ].join('\n');
  const html = readFileSync(new URL('../dashboard/dashboard.html', import.meta.url), 'utf8').replace('<!-- assets -->', head);
  const pageHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'self' ${sha256(importMap)}`,
      "style-src 'self'",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  let templates: string | undefined;
  return {
    page: () => new Response(html, { headers: pageHeaders }),
    assets: (_request, { file: name }) => {
      const found = files.get(name);
      if (!found) return errorResponse(404, 'Not found', `The dashboard has no file ${name}`);
      return new Response(new Uint8Array(found.body), {
        headers: { 'content-type': found.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' },
      });
    },
    templates: () => {
      templates ??= JSON.stringify(exampleWorkflows());
      return new Response(templates, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' } });
    },
  };
}

/** The example workflows (docs/examples/workflows, each run by the suite), offered by the editor as templates. */
function exampleWorkflows(): { name: string; title: string; markdown: string }[] {
  const folder = new URL('../../docs/examples/workflows/', import.meta.url);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.md')).sort();
  } catch {
    // A copy without the tests has no examples to offer.
    return [];
  }
  return names.map((name) => {
    const markdown = readFileSync(new URL(name, folder), 'utf8');
    return { name: name.slice(0, -3), title: /^# (.+)$/m.exec(markdown)?.[1]?.trim() ?? name, markdown };
  });
}
