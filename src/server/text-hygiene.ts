/**
 * Text Postgres cannot store (NUL) or that is not Unicode (a lone UTF-16 surrogate) is refused at the
 * boundary with a 400 naming where it was, instead of failing deep inside a query.
 */
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a string Postgres cannot store ("contains a NUL character"), else undefined. */
export function textProblem(text: string): string | undefined {
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'contains a NUL character' : 'contains a lone UTF-16 surrogate (not valid Unicode)';
}

/** The first string in `value` (any JSON) that cannot be stored, as "`path` contains …", else undefined. */
export function unsafeText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    const found = textProblem(value);
    return found && `\`${path}\` ${found}`;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) return `a key of \`${path}\` ${keyProblem}`;
      const found = unsafeText(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
