/**
 * The condition language (spec §6.2): paths, string/number/boolean/null literals, == != < <= > >=,
 * contains, and, or, not, parentheses. Parsed into a tree and evaluated by walking it; never `eval`.
 */
export type Expression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'path'; path: string; offset: number }
  | { kind: 'not'; operand: Expression }
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; op: Comparison; left: Expression; right: Expression };

type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains';

type Token =
  | { type: 'op'; value: Comparison; offset: number }
  | { type: 'word'; value: 'and' | 'or' | 'not'; offset: number }
  | { type: 'literal'; value: string | number | boolean | null; offset: number }
  | { type: 'path'; value: string; offset: number }
  | { type: '(' | ')' | 'end'; offset: number };

class ExpressionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const MAX_NESTING = 64;
// Bounds the depth of the tree (and so of evaluation) however the terms are joined.
const MAX_TOKENS = 512;
const PATH = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?![A-Za-z0-9_])/y;
const KEYWORDS: Record<string, Token['type'] | 'literal'> = { and: 'word', or: 'word', not: 'word', contains: 'op', true: 'literal', false: 'literal', null: 'literal' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (pattern: RegExp) => {
    pattern.lastIndex = i;
    return pattern.exec(text)?.[0];
  };
  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) {
      i++;
    } else if (char === '(' || char === ')') {
      tokens.push({ type: char, offset: i++ });
    } else if (char === '"' || char === "'") {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== char) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j++];
      }
      if (j >= text.length) throw new ExpressionError(`the string starting here is not closed with ${char}`, i);
      tokens.push({ type: 'literal', value, offset: i });
      i = j + 1;
    } else if (/[=!<>]/.test(char)) {
      const two = text.slice(i, i + 2);
      const op = ['==', '!=', '<=', '>='].includes(two) ? two : char === '<' || char === '>' ? char : undefined;
      if (!op) throw new ExpressionError(char === '=' ? 'use `==` to compare' : `unexpected \`${char}\` (use \`not\` or \`!=\`)`, i);
      tokens.push({ type: 'op', value: op as Comparison, offset: i });
      i += op.length;
    } else if (at(NUMBER)) {
      const number = at(NUMBER)!;
      tokens.push({ type: 'literal', value: Number(number), offset: i });
      i += number.length;
    } else if (at(PATH)) {
      const word = at(PATH)!;
      const keyword = KEYWORDS[word];
      if (keyword === 'literal') tokens.push({ type: 'literal', value: word === 'null' ? null : word === 'true', offset: i });
      else if (keyword === 'op') tokens.push({ type: 'op', value: 'contains', offset: i });
      else if (keyword === 'word') tokens.push({ type: 'word', value: word as 'and' | 'or' | 'not', offset: i });
      else tokens.push({ type: 'path', value: word, offset: i });
      i += word.length;
    } else {
      throw new ExpressionError(`unexpected \`${char}\``, i);
    }
  }
  tokens.push({ type: 'end', offset: text.length });
  return tokens;
}

function parseTokens(tokens: Token[], column: number): Expression {
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position];
  const describe = (token: Token) => (token.type === 'end' ? 'the end of the condition' : `\`${'value' in token ? String(token.value) : token.type}\``);

  const primary = (): Expression => {
    const token = tokens[position++];
    if (token.type === 'literal') return { kind: 'literal', value: token.value };
    if (token.type === 'path') return { kind: 'path', path: token.value, offset: token.offset };
    if (token.type === '(') {
      if (++depth > MAX_NESTING) throw new ExpressionError(`parentheses nest deeper than ${MAX_NESTING} levels`, token.offset);
      const inner = or();
      const close = tokens[position++];
      if (close.type !== ')') throw new ExpressionError(`expected \`)\` to close the \`(\` at column ${column + token.offset}, found ${describe(close)}`, close.offset);
      depth--;
      return inner;
    }
    throw new ExpressionError(`expected a path or a value, found ${describe(token)}`, token.offset);
  };
  const comparison = (): Expression => {
    const left = primary();
    const token = peek();
    if (token.type !== 'op') return left;
    position++;
    return { kind: 'compare', op: token.value, left, right: primary() };
  };
  const not = (): Expression => {
    const token = peek();
    if (token.type === 'word' && token.value === 'not') {
      position++;
      if (++depth > MAX_NESTING) throw new ExpressionError(`\`not\` nests deeper than ${MAX_NESTING} levels`, token.offset);
      const operand = not();
      depth--;
      return { kind: 'not', operand };
    }
    return comparison();
  };
  const binary = (word: 'and' | 'or', next: () => Expression) => (): Expression => {
    let left = next();
    for (let token = peek(); token.type === 'word' && token.value === word; token = peek()) {
      position++;
      left = { kind: word, left, right: next() };
    }
    return left;
  };
  const and = binary('and', not);
  const or = binary('or', and);

  const expression = or();
  const rest = peek();
  if (rest.type !== 'end') throw new ExpressionError(`unexpected ${describe(rest)}; join conditions with \`and\` or \`or\``, rest.offset);
  return expression;
}

export type ParsedExpression = { expression: Expression } | { error: string; offset: number };

/** `column`: where the expression starts in its line (1-based), for messages that point elsewhere in it. */
export function parseExpression(text: string, column = 1): ParsedExpression {
  if (!text.trim()) return { error: 'the condition is empty', offset: 0 };
  try {
    const tokens = tokenize(text);
    if (tokens.length > MAX_TOKENS) return { error: `the condition has more than ${MAX_TOKENS} terms; split the logic across steps`, offset: 0 };
    return { expression: parseTokens(tokens, column) };
  } catch (error) {
    if (error instanceof ExpressionError) return { error: error.message, offset: error.offset };
    throw error;
  }
}

/** Every path the expression reads, with its offset. */
export function expressionPaths(expression: Expression): { path: string; offset: number }[] {
  const paths: { path: string; offset: number }[] = [];
  const stack = [expression];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'path') paths.push({ path: node.path, offset: node.offset });
    else if (node.kind === 'not') stack.push(node.operand);
    else if (node.kind !== 'literal') stack.push(node.right, node.left);
  }
  return paths.sort((a, b) => a.offset - b.offset);
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && a !== null && b !== null && a !== '' && b !== '';
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function order(a: unknown, b: unknown): number {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y) && a !== '' && b !== '' && a !== null && b !== null) return x - y;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

/** Evaluates with `read(path)` giving each path's value. */
export function evaluate(expression: Expression, read: (path: string) => unknown): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'path':
      return read(expression.path);
    case 'not':
      return !truthy(evaluate(expression.operand, read));
    case 'and':
      return truthy(evaluate(expression.left, read)) && truthy(evaluate(expression.right, read));
    case 'or':
      return truthy(evaluate(expression.left, read)) || truthy(evaluate(expression.right, read));
    case 'compare': {
      const left = evaluate(expression.left, read);
      const right = evaluate(expression.right, read);
      switch (expression.op) {
        case '==':
          return equal(left, right);
        case '!=':
          return !equal(left, right);
        case 'contains':
          return Array.isArray(left) ? left.some((item) => equal(item, right)) : String(left ?? '').includes(String(right ?? ''));
        case '<':
          return order(left, right) < 0;
        case '<=':
          return order(left, right) <= 0;
        case '>':
          return order(left, right) > 0;
        case '>=':
          return order(left, right) >= 0;
      }
    }
  }
}

export function isTruthy(value: unknown): boolean {
  return truthy(value);
}
