import { el } from './elements.js';
import { check, request } from './graphql.js';
import { lineDiff } from './line-diff.js';
import { outputView } from './output-view.js';

// Steering a finished execution from the page: refine its output into a new version (the text
// streams in as the model writes it), read and compare its versions, share it by link or revoke it.
// Each part is a section of its own, so later ones (budgets, recipes) sit beside them.

const Q = {
  refine: 'mutation DashboardRefine($id: ID!, $prompt: String!) { refineExecution(id: $id, prompt: $prompt) { __typename ... on Execution { id refineStatus } ... on Error { message detail } } }',
  versions: 'query DashboardVersions($id: ID!) { execution(id: $id) { versions { version prompt parentVersion createdAt output outputType html } } }',
  share: 'mutation DashboardShare($id: ID!) { shareExecution(id: $id) { __typename ... on Execution { shareUrl } ... on Error { message detail } } }',
  revoke: 'mutation DashboardRevoke($id: ID!) { revokeShare(id: $id) { __typename ... on Execution { shareUrl } ... on Error { message detail } } }',
};

export function steerPanel(selection, { follow }) {
  const prompt = el('textarea', { id: 'refine-prompt', rows: 2, placeholder: 'e.g. Make it shorter and add a title' });
  const refineButton = el('button', { type: 'submit', id: 'refine', textContent: 'Refine' });
  const refineStatus = el('span', { className: 'meta', id: 'refine-status', role: 'status' });
  const stream = el('pre', { className: 'refine-stream', id: 'refine-stream', ariaLive: 'off' });
  const refineForm = el('form', { className: 'steer-part', id: 'refine-form' },
    el('h2', {}, el('label', { htmlFor: 'refine-prompt', textContent: 'Refine' })),
    el('p', { className: 'hint', textContent: 'Ask for a change; the model rewrites the output into a new version.' }),
    prompt, el('div', { className: 'row' }, refineButton, refineStatus), stream);

  const versionList = el('ol', { id: 'versions', reversed: true });
  const left = el('select', { id: 'diff-from', ariaLabel: 'Compare from version' });
  const right = el('select', { id: 'diff-to', ariaLabel: 'Compare to version' });
  const diffOut = el('pre', { className: 'diff', id: 'diff' });
  const viewer = outputView('version-output');
  viewer.root.hidden = true;
  const versions = el('section', { className: 'steer-part', id: 'versions-part' },
    el('h2', { textContent: 'Versions' }), versionList, viewer.root,
    el('div', { className: 'row' }, 'Compare ', left, ' with ', right, el('button', { type: 'button', className: 'secondary', id: 'compare', textContent: 'Compare', onclick: () => compare() })),
    diffOut);

  const link = el('a', { id: 'share-link', target: '_blank', rel: 'noopener noreferrer' });
  const shareButton = el('button', { type: 'button', id: 'share', textContent: 'Share' });
  const revokeButton = el('button', { type: 'button', id: 'revoke', className: 'danger', textContent: 'Revoke link' });
  const copyButton = el('button', { type: 'button', className: 'secondary', id: 'copy-link', textContent: 'Copy' });
  const shareMessage = el('div', { className: 'message', role: 'status' });
  const share = el('section', { className: 'steer-part', id: 'share-part' },
    el('h2', { textContent: 'Share' }),
    el('p', { className: 'hint', textContent: 'A public, read-only page of the current version, for anyone with the link.' }),
    el('div', { className: 'row' }, shareButton, link, copyButton, revokeButton), shareMessage);

  const root = el('div', { className: 'steer', hidden: true }, refineForm, versions, share);
  let loaded = [];
  let loadedFor = -1;

  refineForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = prompt.value.trim();
    if (!text) return void (refineStatus.textContent = 'Say what to change first.');
    refineButton.disabled = true;
    stream.textContent = '';
    try {
      check((await request(Q.refine, { id: selection.id, prompt: text })).refineExecution);
      prompt.value = '';
      refineStatus.textContent = 'Refining…';
      // The execution's subscription ended with the run: follow the refinement from the last seq seen.
      follow();
    } catch (error) {
      refineStatus.textContent = error.message;
      refineButton.disabled = false;
    }
  });

  const linkResult = async (query, field) => {
    shareMessage.textContent = '';
    try {
      showLink(check((await request(query, { id: selection.id }))[field]).shareUrl);
    } catch (error) {
      shareMessage.textContent = error.message;
    }
  };
  shareButton.addEventListener('click', () => linkResult(Q.share, 'shareExecution'));
  revokeButton.addEventListener('click', () => linkResult(Q.revoke, 'revokeShare'));
  copyButton.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(link.href).catch(() => {});
    shareMessage.textContent = 'Copied.';
  });

  function showLink(url) {
    link.hidden = copyButton.hidden = revokeButton.hidden = !url;
    shareButton.hidden = Boolean(url);
    link.textContent = url ?? '';
    if (url) link.href = url;
    else link.removeAttribute('href');
  }

  async function loadVersions(version) {
    loadedFor = version;
    const execution = (await request(Q.versions, { id: selection.id })).execution;
    loaded = execution?.versions ?? [];
    versionList.replaceChildren(...loaded.map((each) =>
      el('li', { dataset: { version: String(each.version) } },
        el('button', { type: 'button', className: 'link', textContent: `Version ${each.version}`, onclick: () => showVersion(each) }),
        el('span', { className: 'meta', textContent: ` ${each.prompt ? `“${each.prompt}”` : 'the original'} · ${new Date(each.createdAt).toLocaleString()}` }),
      )));
    const options = () => loaded.map((each) => el('option', { value: String(each.version), textContent: `v${each.version}` }));
    left.replaceChildren(...options());
    right.replaceChildren(...options());
    if (loaded.length > 1) left.value = String(loaded[1].version);
    versions.hidden = loaded.length === 0;
  }

  function showVersion(each) {
    viewer.root.hidden = false;
    viewer.show({ text: each.output, html: each.html, type: each.outputType });
  }

  function compare() {
    const from = loaded.find((each) => String(each.version) === left.value);
    const to = loaded.find((each) => String(each.version) === right.value);
    if (!from || !to) return;
    diffOut.replaceChildren(...lineDiff(from.output, to.output).map(([kind, line]) =>
      el('span', { className: kind === '+' ? 'added' : kind === '-' ? 'removed' : 'same', textContent: `${kind} ${line}\n` })));
  }

  return {
    root,
    /** A token of the running refinement. */
    token(text) {
      stream.textContent += text;
    },
    update(execution) {
      root.hidden = execution.status !== 'COMPLETED';
      if (root.hidden) return;
      const refining = execution.refineStatus === 'REFINING';
      refineButton.disabled = refining;
      if (!refining) stream.textContent = '';
      refineStatus.textContent = refining ? 'Refining…' : execution.refineStatus === 'FAILED' ? 'The last refinement failed.' : '';
      showLink(execution.shareUrl);
      if (execution.version !== loadedFor) void loadVersions(execution.version).catch((error) => (refineStatus.textContent = error.message));
    },
  };
}
