import type { GraphiQLOptions } from 'graphql-yoga';
import { assetUrl, graphiqlAssets } from './graphiql-assets.ts';

/** What a new user runs first: who the key proves, and the tenant's latest workflows and executions. */
const DEFAULT_QUERY = `# Baton's GraphQL API.
# 1. Enter your API key and tenant id above. The first start
#    printed them and saved them in .baton/credentials.json;
#    pasting that file's text into the key box fills both.
#    They fill the Headers tab below.
# 2. Run this query: Ctrl-Enter, or the ▶ button.
# Docs (top left) lists every field. Subscriptions
# (executionUpdates, executionEvents) run over WebSocket.

query Overview {
  viewer {
    role
    tenant { id name }
  }
  workflows(first: 5) {
    totalCount
    edges { node { id name version updatedAt } }
  }
  executions(first: 5) {
    edges { node { id workflowName status startedAt } }
  }
}
`;

export const GRAPHIQL_OPTIONS: GraphiQLOptions & { query: string } = {
  title: 'Baton GraphQL',
  subscriptionsProtocol: 'WS',
  // What every load starts from (yoga's GraphiQL takes it, though its options type omits it), unless
  // the address carries the query being edited. With `defaultQuery` instead, a reload finds no tab
  // holding the query it starts with and opens an empty one.
  query: DEFAULT_QUERY,
  // The key lives in one place, the page's own storage (shared with the dashboard), which Forget
  // clears; GraphiQL would otherwise keep a copy of the headers in its tab state.
  shouldPersistHeaders: false,
};

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GraphiQL's page, for yoga's `renderGraphiQL`: every file it loads comes from this server
 * (`/graphiql/…`), so it works offline and its CSP names no other origin. It runs no inline script:
 * the options travel as a JSON data block that page.js reads.
 */
export async function graphiqlPage(options: GraphiQLOptions): Promise<string> {
  const assets = await graphiqlAssets();
  const url = (name: string) => assetUrl(assets, name);
  const config = {
    graphiql: options,
    workers: { editorWorkerService: url('editor.worker.js'), json: url('json.worker.js'), graphql: url('graphql.worker.js') },
  };
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${url('favicon.ico')}">
<link rel="stylesheet" href="${url('graphiql.css')}">
<link rel="stylesheet" href="${url('page.css')}">
</head>
<body>
<form id="credentials">
  <strong>${title}</strong>
  <input id="api-key" type="password" placeholder="API key (bt_…)" autocomplete="off" aria-label="API key" required>
  <input id="tenant-id" placeholder="Tenant id (ten_…)" autocomplete="off" aria-label="Tenant id" required>
  <button id="use" type="submit">Use</button>
  <button id="forget" type="button">Forget</button>
  <span id="credentials-status" role="status">Paste your API key and tenant id; they fill the Headers tab and stay in this browser only.</span>
</form>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
<script src="${url('page.js')}"></script>
<script src="${url('graphiql.js')}"></script>
</body>
</html>
`;
}
