import { $, el } from './elements.js';
import { connectSocket, credentials, request } from './graphql.js';
import { loadTenantCosts } from './costs.js';
import { compile, loadWorkflowList, startEditor } from './editor.js';
import { loadExecutions, refreshSummary, renderExecutions } from './executions.js';
import { showView, state } from './page-state.js';
import { loadTargets, run, showForm } from './runs.js';

// The dashboard's entry: credentials, the live connection, and the views (Runs, Workflows, Costs).

const UPDATES = 'subscription DashboardUpdates { executionUpdates { executionId status } }';

function setConnection(text, bad = false) {
  $('connection').textContent = text;
  $('connection').className = bad ? 'message' : 'hint';
}

async function connect() {
  state.socket?.close();
  state.selected?.unsubscribe?.();
  state.selected = null;
  state.executions.clear();
  $('detail').replaceChildren(el('p', { className: 'hint', textContent: 'Select an execution to see its graph and steps.' }));
  renderExecutions();
  setConnection('Connecting…');
  let viewer;
  try {
    viewer = (await request('query DashboardViewer { viewer { tenant { id name } } }')).viewer;
  } catch (error) {
    return setConnection(error.message, true);
  }
  let first = true;
  state.socket = connectSocket(() => {
    setConnection(`Live: tenant ${viewer.tenant.name} (${viewer.tenant.id})`);
    // After a reconnect, statuses may have changed while the socket was down.
    if (!first) void loadExecutions();
    first = false;
  }, setConnection);
  state.socket.subscribe(UPDATES, () => ({}), (result) => {
    const update = result.data?.executionUpdates;
    if (update) void refreshSummary(update.executionId);
  });
  void compile();
  await Promise.all([loadTargets(), loadExecutions(), loadWorkflowList()]).catch((error) => setConnection(error.message, true));
}

state.onWorkflowsChanged = () => void Promise.all([loadTargets(), loadWorkflowList()]).catch((error) => setConnection(error.message, true));

$('credentials').addEventListener('submit', (event) => {
  event.preventDefault();
  credentials.key = $('api-key').value.trim();
  credentials.tenant = $('tenant-id').value.trim();
  localStorage.setItem('baton.apiKey', credentials.key);
  localStorage.setItem('baton.tenantId', credentials.tenant);
  void connect();
});
$('forget').addEventListener('click', () => {
  localStorage.removeItem('baton.apiKey');
  localStorage.removeItem('baton.tenantId');
  location.reload();
});
$('target').addEventListener('change', showForm);
$('refresh').addEventListener('click', () => void loadTargets().catch((error) => setConnection(error.message, true)));
$('run-form').addEventListener('submit', run);

// Tabs: a click or the arrow keys switch views; the view's name is kept in the address (#workflows).
const tabs = [...document.querySelectorAll('[role="tab"]')];
for (const tab of tabs) {
  tab.addEventListener('click', () => {
    history.replaceState(null, '', `#${tab.dataset.view}`);
    showView(tab.dataset.view);
  });
  tab.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    next.click();
  });
}
window.addEventListener('baton:view', ({ detail }) => {
  if (detail === 'costs' && credentials.key) void loadTenantCosts();
});

startEditor();
showView(['runs', 'workflows', 'costs'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'runs');
$('api-key').value = credentials.key;
$('tenant-id').value = credentials.tenant;
if (credentials.key && credentials.tenant) void connect();
