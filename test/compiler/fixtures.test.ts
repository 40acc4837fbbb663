import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';

/**
 * Each folder of test/compiler/fixtures holds `workflow.md` and `expected.json`:
 * `{ "valid": bool, "notes": [{ severity, code, line, column, message? }], "plan"?: partial plan }`.
 * Notes must match exactly (all of them, in order); a `message` is a substring the message must
 * contain; `plan` is matched as a subset of the compiled plan.
 */
const root = new URL('./fixtures/', import.meta.url);
const cases = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

interface Expected {
  valid: boolean;
  notes: { severity: string; code: string; line: number; column: number; message?: string }[];
  plan?: Record<string, unknown>;
}

describe('compiler fixture cases', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));

  it.each(cases)('%s', (name) => {
    const dir = new URL(`${name}/`, root);
    const markdown = readFileSync(new URL('workflow.md', dir), 'utf8');
    expect(existsSync(new URL('expected.json', dir)), `${name}/expected.json`).toBe(true);
    const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Expected;
    const result = compile(markdown);
    const got = result.notes.map(({ severity, code, line, column }) => ({ severity, code, line, column }));
    expect(got).toEqual(expected.notes.map(({ severity, code, line, column }) => ({ severity, code, line, column })));
    expected.notes.forEach((note, i) => {
      if (note.message) expect(result.notes[i].message).toContain(note.message);
    });
    expect(result.valid).toBe(expected.valid);
    if (expected.plan) expect(result.plan).toMatchObject(expected.plan);
  });
});
