import { isPath } from './paths.ts';

/** A `{{ path }}` in a text: the path and the offset where it starts. */
export interface TemplateRef {
  path: string;
  offset: number;
}

export interface TemplateProblem {
  code: 'UNCLOSED_TEMPLATE' | 'EMPTY_TEMPLATE' | 'INVALID_PATH';
  message: string;
  offset: number;
}

/** Finds every `{{ path }}` of a text. `\{{` is a literal `{{`. */
export function scanTemplates(text: string): { refs: TemplateRef[]; problems: TemplateProblem[] } {
  const refs: TemplateRef[] = [];
  const problems: TemplateProblem[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open < 0) break;
    if (open > 0 && text[open - 1] === '\\') {
      from = open + 2;
      continue;
    }
    const close = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close) || text.slice(open, close).includes('\n')) {
      problems.push({ code: 'UNCLOSED_TEMPLATE', message: '`{{` is not closed by `}}` on the same line. Close it, or write `\\{{` for a literal `{{`.', offset: open });
      from = open + 2;
      continue;
    }
    const inner = text.slice(open + 2, close);
    const path = inner.trim();
    const offset = open + 2 + (inner.length - inner.trimStart().length);
    if (!path) problems.push({ code: 'EMPTY_TEMPLATE', message: '`{{ }}` is empty: put a path inside, such as `{{inputs.topic}}`.', offset: open });
    else if (!isPath(path)) problems.push({ code: 'INVALID_PATH', message: `\`${path}\` is not a path. Paths look like \`inputs.topic\`, \`steps.research.output\` or \`item.name\`.`, offset });
    else refs.push({ path, offset });
    from = close + 2;
  }
  return { refs, problems };
}

/** Replaces each `{{ path }}` by `resolve(path)` and each `\{{` by `{{`. */
export function renderTemplate(text: string, resolve: (path: string) => string): string {
  return text.replace(/\\\{\{|\{\{([^{}\n]*)\}\}/g, (whole, inner: string | undefined) => {
    if (inner === undefined) return '{{';
    const path = inner.trim();
    return isPath(path) ? resolve(path) : whole;
  });
}
