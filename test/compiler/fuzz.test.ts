import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';

const dir = new URL('../../docs/examples/workflows/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => readFileSync(new URL(name, dir), 'utf8'));

/** Compiles and checks what must hold for any input: a result, no internal failure, determinism. */
function check(markdown: string): void {
  const first = compile(markdown);
  expect(typeof first.valid).toBe('boolean');
  expect(first.notes.filter((note) => note.code === 'INTERNAL_ERROR')).toEqual([]);
  expect(first.valid).toBe(!first.notes.some((note) => note.severity === 'error'));
  for (const note of first.notes) {
    expect(note.line).toBeGreaterThanOrEqual(1);
    expect(note.column).toBeGreaterThanOrEqual(1);
  }
  expect(JSON.stringify(compile(markdown))).toBe(JSON.stringify(first));
}

const piece = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\r\n', '\r', '\0', '```', '~~~', '{{', '}}', '\\{{', '## Steps\n', '### X\n', '# T\n', 'Agent: ', 'Depends on: ', 'For each: ', 'Condition: ', '- x: y (string, default: "a")', '👩‍👩‍👧', 'مرحبا بالعالم', '\u202E', '> ', '- ', '    ', '|a|b|\n|-|-|\n', '<div>', '{{steps.', '(', ')'),
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: piece }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 200 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(source: string, steps: Mutation[]): string {
  let text = source;
  for (const step of steps) {
    const at = 'at' in step ? step.at % (text.length + 1) : 0;
    if (step.kind === 'insert') text = text.slice(0, at) + step.text + text.slice(at);
    else if (step.kind === 'delete') text = text.slice(0, at) + text.slice(at + step.length);
    else if (step.kind === 'duplicate') text = text.slice(0, at + step.length) + text.slice(at, at + step.length) + text.slice(at + step.length);
    else text = text.replace(/\n/g, '\r\n');
  }
  return text;
}

describe('the compiler on any input', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }).map((parts) => parts.join('')), check), { numRuns: 2000 });
  });

  it('never throws on mutated fixture documents', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.array(mutation, { minLength: 1, maxLength: 8 }), (source, steps) => check(mutate(source, steps))),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a 1 MB document', () => fixtures[0].repeat(Math.ceil(1_048_576 / fixtures[0].length))],
    ['10,000 nested quotes', () => `${fixtures[0]}\n${'>'.repeat(10_000)} x\n`],
    ['10,000 nested list markers', () => `${fixtures[0]}\n${'- '.repeat(10_000)}x\n`],
    ['10,000 nested brackets in a prompt', () => fixtures[0].replace('Research ', `Research ${'['.repeat(10_000)}`)],
    ['10,000 nested parentheses in a condition', () => fixtures[0].replace('Condition: inputs.include_charts', `Condition: ${'('.repeat(10_000)}x${')'.repeat(10_000)}`)],
    ['a condition of 10,000 terms', () => fixtures[0].replace('Condition: inputs.include_charts', `Condition: ${Array(10_000).fill('inputs.include_charts').join(' and ')}`)],
    ['an unclosed code fence', () => fixtures[0].replace('## Steps', '```\n## Steps')],
    ['CRLF line endings', () => fixtures[0].replace(/\n/g, '\r\n')],
    ['NUL bytes', () => fixtures[0].replace(/ /g, '\0')],
    ['emoji and right-to-left text', () => fixtures[0].replace(/Research/g, 'بحث 🔬').replace(/topic/g, 'موضوع')],
    ['5,000 steps', () => `# Many\n## Agents\n### A\nWorks.\n## Steps\n${Array.from({ length: 5000 }, (_, i) => `### S${i}\nAgent: A\nUse {{steps.s0.output}}.\n`).join('')}`],
  ])('returns a result for %s', (_name, make) => check(make()));

  it('keeps positions right with CRLF line endings', () => {
    const unix = compile(fixtures.find((f) => f.includes('Wroker')) ?? '# x');
    const windows = compile((fixtures.find((f) => f.includes('Wroker')) ?? '# x').replace(/\n/g, '\r\n'));
    expect(windows.notes).toEqual(unix.notes);
  });
});
