// What the page holds between views: the socket, what can run, the executions seen, the one selected.

export const state = {
  socket: null,
  /** What the run form can start, by option value (`workflow:<id>`, `recipe:<id>`). */
  targets: new Map(),
  recipes: [],
  /** The run form's fields, and what they were made for (the target and its inputs). */
  form: { key: '', fields: [] },
  executions: new Map(),
  selected: null,
  /** Called after a workflow is saved, so the run form offers it. */
  onWorkflowsChanged: () => {},
};

export const SUMMARY = 'id workflowName recipeId status startedAt completedAt stepsCompleted stepsTotal';
export const LIVE = new Set(['RUNNING', 'AWAITING_APPROVAL']);
export const keyOf = (stepId, itemIndex) => `${stepId}#${itemIndex ?? -1}`;

/** Shows one of the page's views (runs, workflows, costs) and marks its tab. */
export function showView(name) {
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== `view-${name}`;
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.setAttribute('aria-selected', String(tab.dataset.view === name));
  window.dispatchEvent(new CustomEvent('baton:view', { detail: name }));
}
