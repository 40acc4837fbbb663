import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { validateInputs } from '../../src/engine/inputs.ts';

const plan = compile(readFileSync(new URL('../../docs/examples/workflows/market-research.md', import.meta.url), 'utf8')).plan;
const check = (given: unknown) => validateInputs(plan.inputs, given);

describe('run inputs', () => {
  it('accepts valid inputs and fills defaults of optional ones', () => {
    expect(check({ topic: 'AI in healthcare', companies: ['Acme', 'Globex'] })).toEqual({
      values: { topic: 'AI in healthcare', depth: 'moderate', companies: ['Acme', 'Globex'], include_charts: false },
    });
  });

  it('coerces strings only where it is lossless', () => {
    expect(check({ topic: 'x', companies: ['a'], include_charts: 'true' })).toMatchObject({ values: { include_charts: true } });
    expect(check({ topic: 'x', companies: ['a'], include_charts: 'yes' })).toEqual({ problems: ['input "include_charts" must be boolean, got string "yes"'] });
    const numbers = compile('# N\n## Inputs\n- count: How many (number, required)\n- ids: Ids (number[])\n## Steps\n### A\nApproval: required\nOk.').plan.inputs;
    expect(validateInputs(numbers, { count: '5', ids: ['1', 2] })).toEqual({ values: { count: 5, ids: [1, 2] } });
    expect(validateInputs(numbers, { count: '5 apples' })).toEqual({ problems: ['input "count" must be number, got string "5 apples"'] });
  });

  it('names every problem at once: missing, wrong type, outside the enum, unknown', () => {
    const result = check({ depth: 'extreme', companies: 'Acme', topik: 'x' });
    expect(result).toEqual({
      problems: [
        'unknown input "topik". Did you mean `topic`? Inputs: topic, depth, companies, include_charts.',
        'missing required input "topic" (string)',
        'input "depth" must be one of "shallow", "moderate", "deep", got "extreme"',
        'input "companies" must be string[], got string "Acme"',
      ],
    });
  });

  it('refuses inputs that are not an object', () => {
    expect(check(['topic'])).toEqual({ problems: ['inputs must be an object mapping input names to values'] });
    expect(check(undefined)).toMatchObject({ problems: ['missing required input "topic" (string)', 'missing required input "companies" (string[])'] });
  });
});
