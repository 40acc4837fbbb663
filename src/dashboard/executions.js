import { $, el, seconds, time } from './elements.js';
import { check, request } from './graphql.js';
import { planGraph } from './graph.js';
import { outputView } from './output-view.js';
import { keyOf, LIVE, state, SUMMARY } from './page-state.js';
import { stepCostChart } from './costs.js';
import { nodeDetail } from './node-detail.js';
import { steerPanel } from './steer.js';
import { approve, buildStep, outputOf, updateStep } from './step-list.js';
import { loadToolCalls } from './tool-calls.js';

// The executions list, and one execution: its graph, steps, output, costs and what can be done with it.

const Q = {
  executions: `query DashboardExecutions { executions(first: 50) { edges { node { ${SUMMARY} } } } }`,
  summary: `query DashboardSummary($id: ID!) { execution(id: $id) { ${SUMMARY} } }`,
  detail: `query DashboardExecution($id: ID!, $withEvents: Boolean!) { execution(id: $id) { ${SUMMARY} error output outputHtml outputType
    version refineStatus shareUrl budget { tokens usd } spend { usd tokens reservedUsd } forkedFromStep forkedFrom { id workflowName } forks { id status forkedFromStep }
    plan { agents { id name model } steps { id title agent approval prompt dependsOn condition forEach model } }
    steps { stepId itemIndex status reused attempts model output error tokens { input output cacheRead cacheWrite } costUsd turns startedAt completedAt durationMs approval { approved reason } }
    events @include(if: $withEvents) { seq } } }`,
  stop: 'mutation DashboardStop($id: ID!) { stopExecution(id: $id) { __typename ... on Error { message detail } } }',
  fork: 'mutation DashboardFork($id: ID!, $fromStep: String!) { forkExecution(id: $id, fromStep: $fromStep) { __typename ... on Fork { execution { id } } ... on Error { message detail } } }',
  retry: 'mutation DashboardRetry($id: ID!) { retryExecution(id: $id) { __typename ... on Fork { execution { id } } ... on Error { message detail } } }',
  events: 'subscription DashboardEvents($executionId: ID!, $afterSeq: Int) { executionEvents(executionId: $executionId, afterSeq: $afterSeq) { seq kind payload } }',
};

export async function loadExecutions() {
  for (const edge of (await request(Q.executions)).executions.edges) state.executions.set(edge.node.id, edge.node);
  renderExecutions();
}

export async function refreshSummary(id) {
  const execution = (await request(Q.summary, { id })).execution;
  if (!execution) return;
  state.executions.set(id, execution);
  renderExecutions();
  if (state.selected?.id === id) refreshDetail(state.selected);
}

export function renderExecutions() {
  const sorted = [...state.executions.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  $('executions').replaceChildren(
    ...sorted.map((execution) =>
      el('li', {},
        el('button', { type: 'button', dataset: { id: execution.id }, ariaCurrent: String(state.selected?.id === execution.id), onclick: () => select(execution.id) },
          el('span', { className: `status ${execution.status}`, textContent: execution.status }), ' ',
          el('strong', { textContent: execution.workflowName }), ' ',
          execution.recipeId ? el('span', { className: 'kind', textContent: 'recipe' }) : null,
          el('div', { className: 'meta', textContent: `${execution.stepsCompleted}/${execution.stepsTotal} steps · started ${time(execution.startedAt)}${execution.completedAt ? ' · ended ' + time(execution.completedAt) : ''}` }),
        ),
      ),
    ),
  );
}

// ---- one execution ----

export async function select(id) {
  state.selected?.unsubscribe?.();
  const selection = { id, lastSeq: 0, live: new Map(), rows: new Map(), refreshing: false, again: false, calls: { loading: false, again: false }, parts: null, plan: null };
  state.selected = selection;
  renderExecutions();
  let execution;
  try {
    execution = (await request(Q.detail, { id, withEvents: true })).execution;
  } catch (error) {
    $('detail').replaceChildren(el('p', { className: 'message', textContent: error.message }));
    return;
  }
  if (state.selected !== selection) return;
  if (!execution) return $('detail').replaceChildren(el('p', { className: 'message', textContent: `No execution ${id}` }));
  selection.lastSeq = execution.events.reduce((max, event) => Math.max(max, event.seq), 0);
  buildDetail(selection);
  updateDetail(selection, execution);
  // The query reads the steps and the events one after the other, not as one snapshot: a change
  // committed in between is counted in lastSeq but missing from the steps. Reading the steps once
  // more, after the events, shows it (later changes arrive as events).
  refreshDetail(selection);
  follow(selection);
}

/**
 * Stored events after the ones already reflected, then live ones; after a reconnect it resumes from
 * lastSeq. Called again to follow a refinement requested after the subscription ended.
 */
function follow(selection) {
  selection.unsubscribe?.();
  selection.unsubscribe = state.socket.subscribe(
    Q.events,
    () => ({ executionId: selection.id, afterSeq: selection.lastSeq }),
    (result) => onEvent(selection, result),
    (errors) => {
      if (!errors || state.selected !== selection) return;
      selection.parts.message.textContent = `Live events ended: ${errors.map((error) => error.message).join('; ')}`;
      // A subscriber that fell behind (SLOW_CONSUMER) resumes from the last seq it saw.
      if (errors.some((error) => error.extensions?.code === 'SLOW_CONSUMER')) setTimeout(() => state.selected === selection && select(selection.id), 1000);
    },
  );
}

function onEvent(selection, result) {
  if (state.selected !== selection) return;
  const event = result.data?.executionEvents;
  if (!event) return;
  if (event.seq === null) {
    if (event.kind === 'REFINE_TOKEN') return selection.steer.token(event.payload.text ?? '');
    if (event.kind !== 'STEP_TOKEN') return;
    const key = keyOf(event.payload.stepId, event.payload.itemIndex);
    selection.live.set(key, (selection.live.get(key) ?? '') + event.payload.text);
    const row = selection.rows.get(key);
    if (row) row.output.textContent = outputOf(selection, row.step);
    return;
  }
  if (event.seq <= selection.lastSeq) return;
  selection.lastSeq = event.seq;
  // A new attempt streams its text from the start.
  if (event.kind === 'STEP_STARTED') selection.live.delete(keyOf(event.payload.stepId, event.payload.itemIndex));
  refreshDetail(selection);
}

/** Reloads the execution after state changes; changes that arrive meanwhile cause one more load. */
export async function refreshDetail(selection) {
  if (!selection.parts) return;
  if (selection.refreshing) return void (selection.again = true);
  selection.refreshing = true;
  try {
    do {
      selection.again = false;
      const execution = (await request(Q.detail, { id: selection.id, withEvents: false })).execution;
      if (state.selected !== selection) return;
      if (execution) updateDetail(selection, execution);
    } while (selection.again);
  } catch (error) {
    selection.parts.message.textContent = error.message;
  } finally {
    selection.refreshing = false;
  }
}

function buildDetail(selection) {
  const output = outputView('output');
  const parts = {
    title: el('h3'),
    kind: el('span', { className: 'kind', textContent: 'recipe', hidden: true }),
    status: el('span', { className: 'status', id: 'execution-status' }),
    stop: el('button', { type: 'button', className: 'danger', id: 'stop', textContent: 'Stop', onclick: () => stop(selection) }),
    retry: el('button', { type: 'button', id: 'retry', textContent: 'Retry', title: 'Run again from the first step that did not complete, keeping the steps before it', onclick: () => fork(selection, null) }),
    meta: el('div', { className: 'meta' }),
    budget: el('div', { className: 'meta', id: 'budget' }),
    lineage: el('div', { className: 'meta', id: 'lineage' }),
    error: el('div', { className: 'error' }),
    message: el('p', { className: 'message', role: 'status' }),
    graph: el('div', { className: 'graph-box', id: 'execution-graph' }),
    costs: el('div', { className: 'step-costs', id: 'step-costs' }),
    steps: el('ul', { id: 'steps' }),
    outputTitle: el('h2', { textContent: 'Output', hidden: true }),
    output,
  };
  selection.parts = parts;
  selection.node = nodeDetail(selection, { approve, fork });
  selection.steer = steerPanel(selection, { follow: () => follow(selection) });
  output.root.hidden = true;
  $('detail').replaceChildren(
    el('div', { className: 'detail-head' }, parts.title, parts.kind, parts.status, parts.stop, parts.retry),
    parts.meta, parts.budget, parts.lineage, parts.error, parts.message,
    el('h2', { textContent: 'Graph' }), el('p', { className: 'hint', textContent: 'Select a step to see its prompt, output, tokens, cost and tool calls.' }),
    parts.graph, selection.node.root,
    parts.outputTitle, output.root, selection.steer.root,
    el('h2', { textContent: 'Cost by step' }), parts.costs,
    el('details', { className: 'step-list', open: true }, el('summary', { textContent: 'Steps' }), parts.steps),
  );
}

/** The execution's budget and what it has spent against it (budgets: runWorkflow's budget, the workflow's default). */
function budgetText({ budget, spend, status }) {
  if (!budget) return status === 'BUDGET_EXHAUSTED' ? 'Stopped by the workspace’s budget.' : '';
  const limits = [budget.usd != null ? `$${budget.usd}` : null, budget.tokens != null ? `${budget.tokens.toLocaleString('en')} tokens` : null].filter(Boolean).join(' and ');
  const reserved = spend.reservedUsd ? ` (+ $${spend.reservedUsd.toFixed(4)} held by running calls)` : '';
  return `Budget ${limits} · spent $${spend.usd.toFixed(4)}, ${Math.round(spend.tokens).toLocaleString('en')} tokens${reserved}`;
}

function updateDetail(selection, execution) {
  const parts = selection.parts;
  if (!selection.graph) {
    selection.plan = execution.plan;
    selection.graph = planGraph(execution.plan, { onSelect: (stepId) => selection.node.open(stepId), label: `Graph of ${execution.workflowName}` });
    parts.graph.replaceChildren(selection.graph.root);
  }
  selection.execution = execution;
  selection.graph.update(execution.steps);
  state.executions.set(execution.id, Object.fromEntries(SUMMARY.split(' ').map((name) => [name, execution[name]])));
  renderExecutions();
  parts.title.textContent = execution.workflowName;
  parts.kind.hidden = !execution.recipeId;
  parts.status.textContent = execution.status;
  parts.status.className = `status ${execution.status}`;
  parts.stop.hidden = !LIVE.has(execution.status);
  parts.retry.hidden = !['FAILED', 'STOPPED', 'BUDGET_EXHAUSTED'].includes(execution.status);
  selection.finished = !LIVE.has(execution.status);
  renderLineage(selection, execution);
  const took = execution.completedAt ? ` · took ${seconds(new Date(execution.completedAt) - new Date(execution.startedAt))}` : '';
  const cost = execution.steps.reduce((sum, step) => sum + step.costUsd, 0);
  parts.meta.textContent = `${execution.id} · ${execution.stepsCompleted}/${execution.stepsTotal} steps · started ${time(execution.startedAt)}${took}${cost ? ` · $${cost.toFixed(4)}` : ''}`;
  parts.error.textContent = execution.error ?? '';
  parts.budget.textContent = budgetText(execution);
  parts.output.show({ text: execution.output, html: execution.outputHtml, type: execution.outputType });
  parts.output.root.hidden = execution.output == null;
  parts.outputTitle.hidden = execution.output == null;
  parts.outputTitle.textContent = execution.version > 1 ? `Output · version ${execution.version}` : 'Output';
  parts.costs.replaceChildren(stepCostChart(execution.plan, execution.steps));
  selection.steer.update(execution);
  selection.node.update(execution);
  execution.steps.forEach((step, index) => {
    const key = keyOf(step.stepId, step.itemIndex);
    let row = selection.rows.get(key);
    if (!row) {
      row = buildStep(selection, step, fork);
      selection.rows.set(key, row);
    }
    // Move rows only when out of place, so a reason being typed keeps its focus.
    if (parts.steps.children[index] !== row.root) parts.steps.insertBefore(row.root, parts.steps.children[index] ?? null);
    updateStep(selection, row, step);
  });
  if (execution.steps.some((step) => step.turns > 1 && step.turns !== selection.rows.get(keyOf(step.stepId, step.itemIndex)).calls.turns)) void loadToolCalls(selection);
}

/** Where the execution came from and what was forked from it, each a link that opens it. */
function renderLineage(selection, execution) {
  const link = (id, text) => el('a', { href: `#${id}`, textContent: text, onclick: (event) => (event.preventDefault(), void select(id)) });
  const parts = [];
  if (execution.forkedFrom) parts.push('Forked from ', link(execution.forkedFrom.id, execution.forkedFrom.id), ` at step ${execution.forkedFromStep}`);
  if (execution.forks.length) {
    if (parts.length) parts.push(' · ');
    parts.push('Forks: ');
    execution.forks.forEach((each, index) => parts.push(index ? ', ' : '', link(each.id, each.id), ` (from ${each.forkedFromStep}, ${each.status.toLowerCase()})`));
  }
  selection.parts.lineage.replaceChildren(...parts);
}

/** Forks from a step (or, with none, retries) and opens the new execution. */
export async function fork(selection, stepId) {
  selection.parts.message.textContent = '';
  try {
    const answer = stepId ? (await request(Q.fork, { id: selection.id, fromStep: stepId })).forkExecution : (await request(Q.retry, { id: selection.id })).retryExecution;
    await select(check(answer).execution.id);
  } catch (error) {
    selection.parts.message.textContent = error.message;
  }
}

async function stop(selection) {
  selection.parts.stop.disabled = true;
  try {
    check((await request(Q.stop, { id: selection.id })).stopExecution);
  } catch (error) {
    selection.parts.message.textContent = error.message;
  } finally {
    selection.parts.stop.disabled = false;
  }
}

