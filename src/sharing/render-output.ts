import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// The one renderer of outputs as HTML: the share page and the dashboard (through GraphQL) both use it.

const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

/** What a shared page may contain: formatting, links and images over http(s); never script, styles or handlers. */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 's', 'input'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    th: ['align', 'colspan', 'rowspan'],
    td: ['align', 'colspan', 'rowspan'],
    ol: ['start'],
    code: ['class'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }) },
};

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The output as safe HTML, by its type: markdown and HTML sanitized, JSON and text shown as they are. */
export function renderOutput(output: string, outputType: string): string {
  switch (outputType) {
    case 'markdown':
      return sanitizeHtml(markdown.render(output), SANITIZE);
    case 'html':
      return sanitizeHtml(output, SANITIZE);
    case 'json': {
      let pretty = output;
      try {
        pretty = JSON.stringify(JSON.parse(output), null, 2);
      } catch {
        // Shown as stored.
      }
      return `<pre><code>${escapeHtml(pretty)}</code></pre>`;
    }
    default:
      return `<div class="text">${escapeHtml(output)}</div>`;
  }
}
