import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

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

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The output as safe HTML, by its type: markdown and HTML sanitized, JSON and text shown as they are. */
function renderOutput(output: string, outputType: string): string {
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
      return `<pre><code>${escape(pretty)}</code></pre>`;
    }
    default:
      return `<div class="text">${escape(output)}</div>`;
  }
}

const STYLE = `body{margin:0;background:#fafaf9;color:#1c1917;font:17px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:46rem;margin:0 auto;padding:2.5rem 1.25rem 4rem}
header{color:#78716c;font-size:.85rem;border-bottom:1px solid #e7e5e4;margin-bottom:1.5rem;padding-bottom:.75rem}
h1,h2,h3{line-height:1.25}a{color:#1d4ed8}img{max-width:100%}
pre{background:#f5f5f4;padding:1rem;overflow-x:auto;border-radius:6px;font-size:.9rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
table{border-collapse:collapse}th,td{border:1px solid #d6d3d1;padding:.35rem .6rem}
blockquote{margin:0;padding-left:1rem;border-left:3px solid #d6d3d1;color:#57534e}
.text{white-space:pre-wrap}`;

/** The whole public page of a shared output. */
export const sharePage = (title: string, version: number, output: string, outputType: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>
<header>${escape(title)} · version ${version} · shared with Baton</header>
<article>
${renderOutput(output, outputType)}
</article>
</main></body>
</html>`;
