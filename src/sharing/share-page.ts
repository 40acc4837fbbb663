import { escapeHtml as escape, renderOutput } from './render-output.ts';

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
