import { el, seconds, time } from './elements.js';
import { check, request } from './graphql.js';
import { keyOf } from './page-state.js';

// The execution's steps as a list: status, model, tokens, cost, timing, the text of a running step as
// it streams, Approve/Reject and Fork from here.

const APPROVE = 'mutation DashboardApprove($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) { approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) { __typename ... on Error { message detail } } }';

export function buildStep(selection, step, fork) {
  const planStep = selection.plan.steps.find((each) => each.id === step.stepId);
  const row = {
    step,
    status: el('span', { className: 'status' }),
    meta: el('span', { className: 'meta' }),
    instruction: el('div', { className: 'hint', textContent: planStep && !planStep.agent ? planStep.prompt : '' }),
    output: el('pre', { className: 'output' }),
    error: el('div', { className: 'error' }),
    reason: el('input', { className: 'reason', placeholder: 'Reason (required to reject)', ariaLabel: 'Reason' }),
    message: el('div', { className: 'message' }),
    calls: { root: null, summary: el('summary'), list: el('ol'), shown: 0, turns: 0 },
  };
  row.fork = el('button', { type: 'button', className: 'fork', textContent: 'Fork from here', title: 'Run this step and everything after it again, keeping the others', onclick: () => fork(selection, step.stepId) });
  row.calls.root = el('details', { className: 'tool-calls', open: true, hidden: true }, row.calls.summary, row.calls.list);
  const decide = (approved) => approve(selection, row, approved);
  row.approval = el('div', { className: 'approval' },
    row.reason,
    el('button', { type: 'button', className: 'approve', textContent: 'Approve', onclick: () => decide(true) }),
    el('button', { type: 'button', className: 'reject danger', textContent: 'Reject', onclick: () => decide(false) }),
  );
  const title = (planStep?.title ?? step.stepId) + (step.itemIndex === null ? '' : ` [item ${step.itemIndex}]`);
  const agent = selection.plan.agents.find((each) => each.id === planStep?.agent);
  row.root = el('li', { className: 'step', dataset: { step: step.stepId, item: String(step.itemIndex ?? -1) } },
    el('div', { className: 'step-head' },
      el('span', { className: 'step-title', textContent: title }),
      agent ? el('span', { className: 'hint agent', textContent: agent.name }) : null,
      row.status, row.meta, step.itemIndex === null ? row.fork : null,
    ),
    row.instruction, row.calls.root, row.output, row.error, row.approval, row.message,
  );
  return row;
}

/** A running step shows its streamed text; a finished one its recorded output. */
export function outputOf(selection, step) {
  const live = selection.live.get(keyOf(step.stepId, step.itemIndex));
  if (step.status === 'RUNNING' || step.status === 'PENDING') return live ?? '';
  return step.output ?? live ?? '';
}

export function updateStep(selection, row, step) {
  row.step = step;
  row.status.textContent = step.status;
  row.status.className = `status ${step.status}`;
  const meta = [];
  if (step.reused) meta.push('reused (kept from the execution it was forked from)');
  if (step.attempts > 1) meta.push(`attempt ${step.attempts}`);
  if (step.model) meta.push(step.model);
  if (step.tokens.input || step.tokens.output) meta.push(`${step.tokens.input} in / ${step.tokens.output} out tokens`);
  if (step.tokens.cacheRead) meta.push(`${step.tokens.cacheRead} cached`);
  if (step.costUsd) meta.push(`$${step.costUsd.toFixed(4)}`);
  if (step.turns > 1) meta.push(`${step.turns} turns`);
  if (step.startedAt) meta.push(`started ${time(step.startedAt)}`);
  if (step.durationMs !== null) meta.push(`took ${seconds(step.durationMs)}`);
  if (step.approval) meta.push(`${step.approval.approved ? 'approved' : 'rejected'}${step.approval.reason ? ': ' + step.approval.reason : ''}`);
  row.meta.textContent = meta.join(' · ');
  row.output.textContent = outputOf(selection, step);
  row.error.textContent = step.error ?? '';
  row.approval.hidden = step.status !== 'AWAITING_APPROVAL';
  row.fork.hidden = !selection.finished;
}

export async function approve(selection, row, approved) {
  const reason = row.reason.value.trim();
  if (!approved && !reason) return void (row.message.textContent = 'A rejection needs a reason.');
  row.message.textContent = '';
  for (const button of row.approval.querySelectorAll('button')) button.disabled = true;
  try {
    check((await request(APPROVE, { executionId: selection.id, stepId: row.step.stepId, approved, reason: reason || null })).approveStep);
    row.reason.value = '';
  } catch (error) {
    row.message.textContent = error.message;
  } finally {
    for (const button of row.approval.querySelectorAll('button')) button.disabled = false;
  }
}
