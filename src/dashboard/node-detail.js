import { dollars, el, seconds } from './elements.js';
import { check, request } from './graphql.js';
import { outputView } from './output-view.js';
import { toolCallItem } from './tool-calls.js';

// The detail of one node of an execution's graph: per run of the step (and per item of a For each),
// the prompt as sent, the output, tokens, cost, attempts and tool calls; Approve/Reject when it awaits
// approval, and Fork from here once the execution has finished.

const STEP = `query DashboardStep($id: ID!) { execution(id: $id) { steps { stepId itemIndex status attempts model prompt output outputJson outputHtml error
  tokens { input output } costUsd turns durationMs toolCalls { name input output durationMs isError } } } }`;

const PREVIEW = `query DashboardForkPreview($id: ID!, $fromStep: String!) { forkPreview(id: $id, fromStep: $fromStep) { __typename
  ... on ForkPreview { stepsToRun stepsReused estimatedCostUsd estimatedTokens unestimatedSteps } ... on Error { message detail } } }`;

const signature = (runs) => runs.map((run) => `${run.itemIndex}:${run.status}:${run.attempts}:${run.turns}`).join(' ');

export function nodeDetail(selection, { approve, fork }) {
  const title = el('h2', { tabIndex: -1, id: 'node-title' });
  const body = el('div');
  const message = el('div', { className: 'message', role: 'status' });
  const close = el('button', { type: 'button', className: 'secondary small', textContent: 'Close', ariaLabel: 'Close the step detail' });
  const root = el('section', { className: 'node-detail', id: 'node-detail', hidden: true, ariaLabelledBy: 'node-title' },
    el('div', { className: 'detail-head' }, title, close), message, body);
  let open = null;
  let shown = '';
  close.addEventListener('click', () => {
    open = null;
    root.hidden = true;
    selection.graph?.select(null);
  });
  root.addEventListener('keydown', (event) => event.key === 'Escape' && close.click());

  async function load() {
    const stepId = open;
    let runs;
    try {
      runs = (await request(STEP, { id: selection.id })).execution.steps.filter((run) => run.stepId === stepId);
    } catch (error) {
      message.textContent = error.message;
      return;
    }
    if (open !== stepId) return;
    message.textContent = '';
    body.replaceChildren(...(runs.length ? runs.map(runView) : [el('p', { className: 'hint', textContent: 'Not run yet.' })]));
  }

  function runView(run) {
    const planStep = selection.plan.steps.find((step) => step.id === run.stepId);
    const output = outputView();
    output.show({ text: run.outputJson != null ? JSON.stringify(run.outputJson, null, 2) : run.output, html: run.outputHtml, type: run.outputJson != null ? 'JSON' : 'MARKDOWN' });
    output.root.hidden = run.output == null;
    const facts = [
      ['Status', run.status.toLowerCase().replace('_', ' ')],
      ['Model', run.model ?? '—'],
      ['Tokens', `${run.tokens.input} in / ${run.tokens.output} out`],
      ['Cost', dollars(run.costUsd)],
      ['Attempts', String(run.attempts)],
      ['Turns', String(run.turns)],
      ['Took', run.durationMs == null ? '—' : seconds(run.durationMs)],
    ];
    const row = { step: run, reason: el('input', { className: 'reason', placeholder: 'Reason (required to reject)', ariaLabel: 'Reason' }), message: el('div', { className: 'message' }) };
    row.approval = el('div', { className: 'approval', hidden: run.status !== 'AWAITING_APPROVAL' },
      row.reason,
      el('button', { type: 'button', className: 'approve', textContent: 'Approve', onclick: () => approve(selection, row, true) }),
      el('button', { type: 'button', className: 'reject danger', textContent: 'Reject', onclick: () => approve(selection, row, false) }),
    );
    return el('article', { className: 'node-run', dataset: { item: String(run.itemIndex ?? -1) } },
      run.itemIndex === null ? null : el('h4', { textContent: `Item ${run.itemIndex}` }),
      el('dl', { className: 'facts' }, ...facts.flatMap(([name, value]) => [el('dt', { textContent: name }), el('dd', { textContent: value })])),
      row.approval, row.message,
      run.error ? el('div', { className: 'error', textContent: run.error }) : null,
      el('h4', { textContent: 'Prompt as sent' }),
      el('pre', { className: 'prompt', textContent: run.prompt ?? (planStep?.prompt || '(not sent yet)') }),
      el('h4', { textContent: 'Output' }),
      run.output == null ? el('p', { className: 'hint', textContent: 'No output yet.' }) : output.root,
      run.toolCalls.length ? el('h4', { textContent: `Tool calls (${run.toolCalls.length})` }) : null,
      run.toolCalls.length ? el('ol', { className: 'tool-calls' }, ...run.toolCalls.map(toolCallItem)) : null,
      run.itemIndex === null && selection.finished ? forkPart(run.stepId) : null,
    );
  }

  /** Fork from here: first what it would run again, keep and cost (forkPreview), then the fork. */
  function forkPart(stepId) {
    const said = el('div', { className: 'meta fork-preview', role: 'status' });
    const confirm = el('button', { type: 'button', className: 'fork-confirm', textContent: 'Fork', hidden: true, onclick: () => fork(selection, stepId) });
    const ask = el('button', { type: 'button', className: 'secondary', textContent: 'Fork from here…', title: 'See what a fork from this step would run again and cost' });
    ask.addEventListener('click', async () => {
      try {
        const preview = check((await request(PREVIEW, { id: selection.id, fromStep: stepId })).forkPreview);
        const cost = preview.unestimatedSteps.length ? `at least $${preview.estimatedCostUsd.toFixed(4)}` : `about $${preview.estimatedCostUsd.toFixed(4)}`;
        said.textContent = `Runs again: ${preview.stepsToRun.join(', ')}. Keeps: ${preview.stepsReused.join(', ') || 'nothing'}. Costs ${cost} (${preview.estimatedTokens.toLocaleString('en')} tokens), judging by past runs.`;
        confirm.hidden = false;
        confirm.focus();
      } catch (error) {
        said.textContent = error.message;
      }
    });
    return el('div', { className: 'row' }, ask, confirm, said);
  }

  return {
    root,
    /** Shows a step's detail, and moves the focus to it. */
    open(stepId) {
      open = stepId;
      const planStep = selection.plan.steps.find((step) => step.id === stepId);
      title.textContent = planStep?.title ?? stepId;
      root.hidden = false;
      selection.graph.select(stepId);
      shown = signature(selection.execution.steps.filter((run) => run.stepId === stepId));
      void load();
      title.focus();
    },
    /** Reloads the open step when its runs changed. */
    update(execution) {
      if (!open) return;
      const now = signature(execution.steps.filter((run) => run.stepId === open));
      if (now === shown) return;
      shown = now;
      void load();
    },
  };
}
