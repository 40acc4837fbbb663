'use strict';
// GraphiQL's page: the key box above GraphiQL, and GraphiQL started with what it holds. Loaded
// before GraphiQL's own script so that MonacoEnvironment is set when that script runs (as yoga's own
// page does); GraphiQL starts once that script has run (DOMContentLoaded).

const config = JSON.parse(document.getElementById('graphiql-config').textContent);

// The editor's workers are files of this server, like everything else the page loads.
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => config.workers[label] };

// The same entries as the dashboard's, so a key entered on either page serves both.
const stored = { key: localStorage.getItem('baton.apiKey') || '', tenant: localStorage.getItem('baton.tenantId') || '' };

const $ = (id) => document.getElementById(id);
const KEY = /bt_[0-9a-z]{25}_[A-Za-z0-9_-]{43}/;
const TENANT = /ten_[0-9a-z]{25}/;

/** Text holding both (credentials.json, or the lines the first start printed) fills both boxes. */
function splitPasted() {
  const text = $('api-key').value;
  const key = KEY.exec(text)?.[0];
  const tenant = TENANT.exec(text)?.[0];
  if (key && tenant) {
    $('api-key').value = key;
    $('tenant-id').value = tenant;
  }
}

/** A headers JSON object, or nothing when the text is not one (GraphiQL itself reports that). */
function parseHeaders(text) {
  try {
    const value = JSON.parse(text || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function start() {
  if (!self.YogaGraphiQL) {
    $('graphiql').textContent = 'GraphiQL’s script did not load; reload the page.';
    return;
  }
  const headers = stored.key && stored.tenant ? JSON.stringify({ authorization: `Bearer ${stored.key}`, 'x-tenant-id': stored.tenant }, null, 2) : undefined;
  // GraphiQL sends the Headers tab with queries over HTTP but not in a WebSocket's connection_init,
  // where Baton reads a subscription's credentials: the tab's latest text goes there too.
  let headersText = headers ?? '';
  self.YogaGraphiQL.renderYogaGraphiQL($('graphiql'), {
    ...config.graphiql,
    // Yoga keeps the query being edited in the address; its `query` option would override that.
    query: new URLSearchParams(location.search).get('query') || config.graphiql.query,
    headers,
    onEditHeaders: (text) => (headersText = text),
    connectionParams: () => parseHeaders(headersText),
  });
}

$('api-key').value = stored.key;
$('tenant-id').value = stored.tenant;
if (stored.key && stored.tenant) $('credentials-status').textContent = `Tenant ${stored.tenant}: its headers are in the Headers tab.`;
$('api-key').addEventListener('input', splitPasted);
// GraphiQL takes its headers only as it starts, so new credentials start it again.
$('credentials').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem('baton.apiKey', $('api-key').value.trim());
  localStorage.setItem('baton.tenantId', $('tenant-id').value.trim());
  location.reload();
});
$('forget').addEventListener('click', () => {
  localStorage.removeItem('baton.apiKey');
  localStorage.removeItem('baton.tenantId');
  location.reload();
});
document.addEventListener('DOMContentLoaded', start);
