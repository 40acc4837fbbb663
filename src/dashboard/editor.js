import { $, el } from './elements.js';
import { check, credentials, request } from './graphql.js';
import { planGraph } from './graph.js';
import { showView, state } from './page-state.js';
import { choose, loadTargets } from './runs.js';

// The workflow editor: the markdown with line numbers, compiled as it is typed (compileWorkflow,
// debounced), every diagnostic marked at its line and column and listed (a click puts the cursor
// there); the plan drawn as a graph; save creates or updates; the revision history; the example
// workflows as templates.

const PLAN = 'plan { agents { id name model } steps { id title agent approval dependsOn condition forEach model prompt } }';
const Q = {
  compile: `query DashboardCompile($markdown: String!) { compileWorkflow(markdown: $markdown) { __typename
    ... on CompileResult { valid notes { line column code message severity } ${PLAN} } ... on Error { message detail } } }`,
  list: 'query DashboardWorkflowList { workflows(first: 100) { edges { node { id name version updatedAt } } } }',
  workflow: 'query DashboardWorkflow($id: ID!) { workflow(id: $id) { id name version markdown updatedAt revisions { version createdAt markdown } } }',
  create: `mutation DashboardCreateWorkflow($markdown: String!) { createWorkflow(markdown: $markdown) { __typename
    ... on Workflow { id version } ... on CompileError { message detail notes { line column code message severity } } ... on Error { message detail } } }`,
  update: `mutation DashboardUpdateWorkflow($id: ID!, $markdown: String!) { updateWorkflow(id: $id, markdown: $markdown) { __typename
    ... on Workflow { id version } ... on CompileError { message detail notes { line column code message severity } } ... on Error { message detail } } }`,
};

const DELAY_MS = 300;

const editor = {
  id: null,
  version: 0,
  saved: '',
  notes: [],
  compiles: 0,
  timer: null,
};

const text = () => $('markdown');

/** The offset in the text of a 1-based line and column. */
function offsetOf(source, line, column) {
  let offset = 0;
  for (let at = 1; at < line; at++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return source.length;
    offset = next + 1;
  }
  return Math.min(source.length, offset + Math.max(0, column - 1));
}

/** Line numbers, each marked with the worst diagnostic on its line. */
let gutterKey = '';

function renderGutter() {
  const lines = text().value.split('\n').length;
  // Rebuilt only when the lines or the notes changed, not on every key.
  const key = `${lines} ${JSON.stringify(editor.notes)}`;
  if (key === gutterKey) return;
  gutterKey = key;
  const worst = new Map();
  const rank = { ERROR: 3, WARNING: 2, INFO: 1 };
  for (const note of editor.notes) if ((rank[worst.get(note.line)] ?? 0) < rank[note.severity]) worst.set(note.line, note.severity);
  $('gutter').replaceChildren(...Array.from({ length: lines }, (_, index) => {
    const severity = worst.get(index + 1);
    const messages = editor.notes.filter((note) => note.line === index + 1).map((note) => note.message).join('\n');
    return el('div', { className: severity ? `line ${severity.toLowerCase()}` : 'line', textContent: String(index + 1), title: messages, dataset: { line: String(index + 1) } });
  }));
}

/** The text again, behind the textarea, with each diagnostic's column underlined. */
function renderBackdrop() {
  const source = text().value;
  const marks = [...new Set(editor.notes.filter((note) => note.severity !== 'INFO').map((note) => offsetOf(source, note.line, note.column)))].sort((a, b) => a - b);
  const parts = [];
  let from = 0;
  for (const at of marks) {
    if (at < from) continue;
    // The word at the column (or one character), so the mark is visible.
    const end = Math.max(at + 1, at + (/^[^\s]*/.exec(source.slice(at))?.[0].length ?? 0));
    parts.push(source.slice(from, at), el('mark', { textContent: source.slice(at, end) || ' ' }));
    from = end;
  }
  parts.push(source.slice(from), '\n');
  $('backdrop').replaceChildren(...parts);
  syncScroll();
}

function syncScroll() {
  $('backdrop').scrollTop = $('gutter').scrollTop = text().scrollTop;
  $('backdrop').scrollLeft = text().scrollLeft;
}

function renderNotes() {
  const count = (severity) => editor.notes.filter((note) => note.severity === severity).length;
  const [errors, warnings, infos] = [count('ERROR'), count('WARNING'), count('INFO')];
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const notes = infos ? ` ${plural(infos, 'note')}.` : '';
  $('diagnostics-summary').textContent = errors + warnings === 0 ? `No problems.${notes}` : `${plural(errors, 'error')}, ${plural(warnings, 'warning')}.${notes}`;
  $('diagnostics').replaceChildren(...editor.notes.map((note) =>
    el('li', { className: `note ${note.severity.toLowerCase()}`, dataset: { line: String(note.line), column: String(note.column) } },
      el('button', { type: 'button', className: 'link', onclick: () => goTo(note.line, note.column) },
        el('span', { className: 'where', textContent: `${note.line}:${note.column}` }), ' ',
        el('span', { className: 'severity', textContent: note.severity.toLowerCase() }), ' ',
        el('span', { className: 'code', textContent: note.code }), ' ',
        el('span', { className: 'text', textContent: note.message }),
      ))));
  renderGutter();
  renderBackdrop();
}

/** Puts the cursor at a line and column, scrolled into view. */
function goTo(line, column) {
  const area = text();
  const at = offsetOf(area.value, line, column);
  area.focus();
  area.setSelectionRange(at, at);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
  syncScroll();
}

export async function compile() {
  const ticket = ++editor.compiles;
  const markdown = text().value;
  // Nothing to compile, or no one to ask yet (compiled again once connected).
  if (!markdown.trim() || !credentials.key) {
    editor.notes = [];
    renderNotes();
    $('diagnostics-summary').textContent = markdown.trim() ? 'Connect to check the workflow as you type.' : '';
    return;
  }
  let result;
  try {
    result = (await request(Q.compile, { markdown })).compileWorkflow;
  } catch (error) {
    if (ticket === editor.compiles) $('diagnostics-summary').textContent = `Not compiled: ${error.message}`;
    return;
  }
  // An answer to an older text is dropped.
  if (ticket !== editor.compiles) return;
  if (result.__typename !== 'CompileResult') {
    editor.notes = [];
    renderNotes();
    $('diagnostics-summary').textContent = `${result.message}: ${result.detail}`;
    return;
  }
  editor.notes = result.notes;
  renderNotes();
  $('editor').dataset.compiled = String(ticket);
  showGraph(result.plan);
}

function showGraph(plan) {
  const box = $('workflow-graph');
  if (!plan || plan.steps.length === 0) return box.replaceChildren(el('p', { className: 'hint', textContent: 'No steps yet.' }));
  box.replaceChildren(planGraph(plan, { label: 'Graph of the workflow being edited', onSelect: (stepId) => goToStep(plan, stepId) }).root);
}

/** A node of the editor's graph puts the cursor at its step's heading. */
function goToStep(plan, stepId) {
  const step = plan.steps.find((each) => each.id === stepId);
  const lines = text().value.split('\n');
  const index = lines.findIndex((line) => /^###\s/.test(line) && line.replace(/^###\s+/, '').trim() === (step?.title ?? stepId));
  if (index >= 0) goTo(index + 1, 1);
}

function changed() {
  renderGutter();
  renderBackdrop();
  const dirty = text().value !== editor.saved;
  $('save').disabled = !dirty && editor.id !== null;
  $('editor-state').textContent = dirty ? 'Unsaved changes' : editor.id ? 'Saved' : '';
  clearTimeout(editor.timer);
  editor.timer = setTimeout(compile, DELAY_MS);
}

/** Before the editor's text is replaced by the person's choice: unsaved changes are kept unless they agree. */
const mayReplace = () => text().value === editor.saved || text().value.trim() === '' || window.confirm('Discard the unsaved changes in the editor?');

function load(markdown, { id = null, version = 0, name = 'New workflow' } = {}) {
  Object.assign(editor, { id, version, saved: id ? markdown : '' });
  text().value = markdown;
  $('editor-heading').textContent = name;
  $('editor-version').textContent = id ? `version ${version}` : 'not saved yet';
  $('run-workflow').hidden = !id;
  $('save-message').textContent = '';
  if (!id) $('revisions-part').hidden = true;
  changed();
}

async function open(id) {
  const workflow = (await request(Q.workflow, { id })).workflow;
  if (!workflow) return void ($('save-message').textContent = `No workflow ${id}`);
  load(workflow.markdown, { id: workflow.id, version: workflow.version, name: workflow.name });
  renderRevisions(workflow);
  renderList();
}

function renderRevisions(workflow) {
  $('revisions-part').hidden = false;
  const current = { version: workflow.version, createdAt: workflow.updatedAt, markdown: workflow.markdown, current: true };
  $('revisions').replaceChildren(...[current, ...workflow.revisions].map((revision) =>
    el('li', { dataset: { version: String(revision.version) } },
      el('button', { type: 'button', className: 'link', textContent: `Version ${revision.version}${revision.current ? ' (current)' : ''}`, onclick: () => viewRevision(revision) }),
      el('span', { className: 'meta', textContent: ` ${new Date(revision.createdAt).toLocaleString()}` }),
    )));
  $('revision-view').hidden = true;
}

function viewRevision(revision) {
  $('revision-view').hidden = false;
  $('revision-title').textContent = `Version ${revision.version}`;
  $('revision-text').textContent = revision.markdown;
  $('restore-revision').onclick = () => {
    text().value = revision.markdown;
    changed();
    text().focus();
  };
}

async function save() {
  const markdown = text().value;
  $('save').disabled = true;
  const message = $('save-message');
  message.className = 'message';
  message.textContent = 'Saving…';
  try {
    const result = editor.id
      ? (await request(Q.update, { id: editor.id, markdown })).updateWorkflow
      : (await request(Q.create, { markdown })).createWorkflow;
    if (result.__typename === 'CompileError') {
      editor.notes = result.notes;
      renderNotes();
      message.textContent = `Not saved: ${result.detail}`;
      return;
    }
    check(result);
    message.className = 'message ok';
    message.textContent = `Saved version ${result.version}.`;
    await open(result.id);
    $('save-message').className = 'message ok';
    $('save-message').textContent = `Saved version ${result.version}.`;
    state.onWorkflowsChanged();
  } catch (error) {
    message.textContent = error.message;
  } finally {
    $('save').disabled = text().value === editor.saved;
  }
}

let workflows = [];

export async function loadWorkflowList() {
  workflows = (await request(Q.list)).workflows.edges.map((edge) => edge.node);
  renderList();
}

function renderList() {
  $('workflow-list').replaceChildren(...(workflows.length
    ? workflows.map((workflow) => el('li', {},
      el('button', { type: 'button', dataset: { id: workflow.id }, ariaCurrent: String(editor.id === workflow.id), onclick: () => mayReplace() && void open(workflow.id) },
        el('strong', { textContent: workflow.name }), el('div', { className: 'meta', textContent: `version ${workflow.version} · ${new Date(workflow.updatedAt).toLocaleString()}` }))))
    : [el('li', { className: 'hint', textContent: 'None yet: write one, or start from a template.' })]));
}

async function loadTemplates() {
  const response = await fetch('/dashboard/templates');
  const templates = response.ok ? await response.json() : [];
  $('template').replaceChildren(el('option', { value: '', textContent: templates.length ? 'Start from a template…' : 'No templates' }),
    ...templates.map((template, index) => el('option', { value: String(index), textContent: template.title })));
  $('template').onchange = () => {
    const template = templates[Number($('template').value)];
    if (template && mayReplace()) load(template.markdown, { name: `New workflow from “${template.title}”` });
    $('template').value = '';
    text().focus();
  };
}

export function startEditor() {
  const area = text();
  area.addEventListener('input', changed);
  area.addEventListener('scroll', syncScroll);
  area.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') {
      event.preventDefault();
      void save();
    }
  });
  $('save').addEventListener('click', () => void save());
  $('new-workflow').addEventListener('click', () => {
    if (!mayReplace()) return;
    load('# New workflow\nWhat it does.\n\n## Inputs\n- topic: The topic (string, required)\n\n## Agents\n### Writer\nWrites clearly.\n\n## Steps\n### Draft\nAgent: Writer\nWrite about {{inputs.topic}}.\n\n## Output\nsteps.draft.output\n');
    area.focus();
  });
  $('run-workflow').addEventListener('click', async () => {
    await loadTargets().catch(() => {});
    showView('runs');
    choose(`workflow:${editor.id}`);
  });
  void loadTemplates().catch(() => {});
  load('');
}
