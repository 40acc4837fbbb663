import { el } from './elements.js';

// An output as a reader sees it: markdown rendered (the server's HTML, from the share page's renderer
// and sanitizer), JSON as a tree that folds, with a toggle to the raw text.

/**
 * The sanitized HTML as elements. It is parsed in an inert template, so nothing loads while it is
 * read; images become links to them (the page loads nothing from other origins, by its CSP).
 */
function fromSanitizedHtml(html) {
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  for (const image of template.content.querySelectorAll('img')) {
    const text = `[image${image.alt ? `: ${image.alt}` : ''}]`;
    const src = image.getAttribute('src') ?? '';
    image.replaceWith(/^https?:/.test(src) ? el('a', { href: src, rel: 'nofollow noopener noreferrer', target: '_blank', textContent: text }) : document.createTextNode(text));
  }
  for (const link of template.content.querySelectorAll('a[href]')) link.target = '_blank';
  return template.content;
}

/** A JSON value as nested lists; objects and arrays fold (open to two levels). */
export function jsonTree(value, depth = 0) {
  if (value === null || typeof value !== 'object') {
    return el('span', { className: `json-${value === null ? 'null' : typeof value}`, textContent: JSON.stringify(value) });
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length} item${entries.length === 1 ? '' : 's'}]` : `{${entries.length} key${entries.length === 1 ? '' : 's'}}`;
  if (entries.length === 0) return el('span', { className: 'json-empty', textContent: Array.isArray(value) ? '[]' : '{}' });
  return el('details', { className: 'json', open: depth < 2 },
    el('summary', { textContent: summary }),
    el('ul', {}, ...entries.map(([key, item]) => el('li', {}, el('span', { className: 'json-key', textContent: `${key}: ` }), jsonTree(item, depth + 1)))),
  );
}

/**
 * A view of one output: `show({ text, html, type })`, type MARKDOWN, HTML, JSON or TEXT. The raw
 * toggle shows the text as stored.
 */
export function outputView(id) {
  const rendered = el('div', { className: 'rendered', id });
  const raw = el('pre', { className: 'raw', hidden: true });
  const toggle = el('button', { type: 'button', className: 'secondary small raw-toggle', textContent: 'Raw', ariaPressed: 'false' });
  toggle.addEventListener('click', () => {
    const showRaw = raw.hidden;
    raw.hidden = !showRaw;
    rendered.hidden = showRaw;
    toggle.ariaPressed = String(showRaw);
  });
  const root = el('div', { className: 'output-view' }, el('div', { className: 'output-tools' }, toggle), rendered, raw);
  return {
    root,
    show({ text, html, type }) {
      raw.textContent = text ?? '';
      let json;
      if (type === 'JSON') {
        try {
          json = JSON.parse(text);
        } catch {
          // Not JSON after all: shown as the server rendered it.
        }
      }
      if (json !== undefined) rendered.replaceChildren(jsonTree(json));
      else if (html != null) rendered.replaceChildren(fromSanitizedHtml(html));
      else rendered.replaceChildren(el('div', { className: 'text', textContent: text ?? '' }));
    },
  };
}
