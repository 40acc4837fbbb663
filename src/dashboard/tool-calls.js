import { el, seconds } from './elements.js';
import { request } from './graphql.js';
import { keyOf, state } from './page-state.js';

// The tool calls of an execution's steps.

const Q = {
  // Apart from the steps (which reload on every change), since tool results can be long: see loadToolCalls.
  toolCalls: 'query DashboardToolCalls($id: ID!) { execution(id: $id) { steps { stepId itemIndex turns toolCalls { name input output durationMs isError } } } }',
};

/**
 * Loads the steps' tool calls, apart from the steps' own reloads, since results can be long (up to
 * BATON_TOOL_RESULT_LIMIT each). A step's calls are recorded with its result, and every call takes a
 * turn more (the model reads its result), so they need loading only when a step's turns changed
 * past 1. Changes that arrive meanwhile cause one more load.
 */
export async function loadToolCalls(selection) {
  const calls = selection.calls;
  if (calls.loading) return void (calls.again = true);
  calls.loading = true;
  try {
    do {
      calls.again = false;
      const execution = (await request(Q.toolCalls, { id: selection.id })).execution;
      if (state.selected !== selection || !execution) return;
      for (const step of execution.steps) {
        const row = selection.rows.get(keyOf(step.stepId, step.itemIndex));
        if (row) showToolCalls(row, step);
      }
    } while (calls.again);
  } catch (error) {
    selection.parts.message.textContent = `Tool calls not loaded: ${error.message}`;
  } finally {
    calls.loading = false;
  }
}

/** Calls are only ever added (a retry adds its own), so those shown stay as they are, opened or not. */
function showToolCalls(row, step) {
  const calls = row.calls;
  calls.turns = step.turns;
  if (step.toolCalls.length < calls.shown) {
    calls.list.replaceChildren();
    calls.shown = 0;
  }
  calls.list.append(...step.toolCalls.slice(calls.shown).map(toolCallItem));
  calls.shown = step.toolCalls.length;
  const count = step.toolCalls.length;
  const failed = step.toolCalls.filter((call) => call.isError).length;
  calls.summary.textContent = `${count} tool call${count === 1 ? '' : 's'}${failed ? ` · ${failed} failed` : ''}`;
  calls.root.hidden = count === 0;
}

export function toolCallItem(call) {
  const failed = call.isError;
  return el('li', { className: `tool-call${failed ? ' failed' : ''}`, dataset: { tool: call.name } },
    el('div', { className: 'call-head' },
      el('span', { className: 'tool-name', textContent: call.name }),
      failed ? el('span', { className: 'call-failed', textContent: 'error' }) : null,
      el('span', { className: 'duration', textContent: call.durationMs == null ? 'duration not recorded' : seconds(call.durationMs) }),
    ),
    el('div', { className: 'call-label', textContent: 'Arguments' }),
    longText('call-input', JSON.stringify(call.input ?? {}, null, 2)),
    el('div', { className: 'call-label', textContent: failed ? 'Error' : 'Result' }),
    // A text result as it came; structured content as pretty JSON.
    call.output == null ? el('div', { className: 'call-empty', textContent: 'no result' }) : longText('call-result', typeof call.output === 'string' ? call.output : JSON.stringify(call.output, null, 2)),
  );
}

const PREVIEW = { chars: 800, lines: 12 };

/** Text in a <pre>; a long one shows its start, with a button to show it all (and less again). */
function longText(className, text) {
  if (text === '') return el('div', { className: 'call-empty', textContent: 'empty' });
  const preview = text.slice(0, PREVIEW.chars).split('\n').slice(0, PREVIEW.lines).join('\n');
  const pre = el('pre', { className, textContent: text });
  if (preview === text) return pre;
  let open = false;
  const show = () => {
    pre.textContent = open ? text : `${preview}…`;
    more.textContent = open ? 'Show less' : `Show all (${text.length.toLocaleString('en')} characters)`;
    more.ariaExpanded = String(open);
  };
  const more = el('button', { type: 'button', className: 'more', onclick: () => ((open = !open), show()) });
  show();
  return el('div', {}, pre, more);
}

