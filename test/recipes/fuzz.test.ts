import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../src/compiler/models.ts';
import { renderTemplate } from '../../src/compiler/templates.ts';
import { compileRecipe } from '../../src/recipes/compile.ts';
import { agents, recipe, step } from './stored-agents.ts';

/** What must hold for any input: a result, every problem placed, determinism, and a coherent plan when valid. */
function check(value: unknown): void {
  const result = compileRecipe(value, agents, DEFAULT_MODELS);
  expect(result.problems.filter((problem) => problem.code === 'INTERNAL_ERROR')).toEqual([]);
  expect(result.valid).toBe(result.problems.length === 0);
  for (const problem of result.problems) {
    expect(typeof problem.path).toBe('string');
    expect(problem.path.length).toBeGreaterThan(0);
    expect(problem.code).toMatch(/^[A-Z_]+$/);
    expect(problem.message.length).toBeGreaterThan(0);
  }
  expect(JSON.stringify(compileRecipe(value, agents, DEFAULT_MODELS))).toBe(JSON.stringify(result));
  if (!result.valid) return;
  const { plan } = result;
  const ids = plan.steps.map((s) => s.id);
  expect(new Set(ids).size).toBe(ids.length);
  const inputs = new Set(plan.inputs.map((input) => `inputs.${input.name}`));
  plan.steps.forEach((s, index) => {
    expect(s.id).toMatch(/^[a-z0-9_]+$/);
    // Dependencies come earlier in the plan, so the graph has no cycle.
    for (const dep of s.dependsOn) expect(ids.slice(0, index)).toContain(dep);
    expect(plan.agents.map((a) => a.id)).toContain(s.agent);
    // Every template the engine will render names a declared input or an earlier step's output.
    renderTemplate(s.prompt, (path) => {
      if (!inputs.has(path)) expect(ids.slice(0, index).map((id) => `steps.${id}.output`)).toContain(path);
      return '';
    });
  });
}

const text = fc.oneof(
  fc.string(),
  fc.constantFrom('{input.topic}', '{previous_output}', '{step_1_output}', '{step_2}', '{facts}', '{{', '}}', '\\{', '\\{{', '{"a": 1}', '{ x }', '{}', '{inputs.topic}', '{input.}', '{a.b.c}'),
);
const prompt = fc.array(text, { maxLength: 8 }).map((parts) => parts.join(''));
const anyValue = fc.oneof(fc.jsonValue(), text, fc.constantFrom('__proto__', 'constructor', 'toString', 'agent_research', 'retry', 'parallel', -0, 1e300, 9_999, 10_000));

const stepArbitrary = fc.record(
  {
    step_id: fc.oneof(fc.constantFrom('A', 'B', 'C', 'Research', '研究', '__proto__', ''), anyValue),
    order: fc.oneof(fc.integer({ min: -1, max: 4 }), anyValue),
    agent_id: fc.oneof(fc.constantFrom(...agents.map((a) => a.id)), anyValue),
    prompt_template: fc.oneof(prompt, anyValue),
    error_handling: fc.oneof(fc.constantFrom('stop', 'continue', 'skip', 'retry'), anyValue),
    max_retries: anyValue,
    output_key: fc.oneof(fc.constantFrom('facts', 'step_2', 'previous_output'), anyValue),
    max_iterations: anyValue,
    depends_on: fc.oneof(fc.array(fc.constantFrom('A', 'B', 'C', 'Research', 'nope')), anyValue),
    timeout: anyValue,
    requires_approval: anyValue,
  },
  { requiredKeys: [] },
);

const recipeArbitrary = fc.record(
  {
    name: fc.oneof(fc.string(), anyValue),
    description: anyValue,
    steps: fc.oneof(fc.array(stepArbitrary, { maxLength: 6 }), anyValue),
    inputs: fc.oneof(fc.dictionary(fc.constantFrom('topic', 'facts', 'bad name', '__proto__'), fc.oneof(anyValue, fc.record({ type: anyValue, required: anyValue, default: anyValue, enum: anyValue }, { requiredKeys: [] }))), anyValue),
    outputs: anyValue,
    execution_config: fc.oneof(
      fc.record({ mode: fc.oneof(fc.constantFrom('sequential', 'parallel'), anyValue), max_retries: anyValue, timeout_per_step: anyValue, total_timeout: anyValue, parallel_limit: anyValue, retry_delay: anyValue }, { requiredKeys: [] }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

const valid = [
  recipe([step('Research', 1, 'About {input.topic}.', { output_key: 'facts' }), step('Write', 2, 'Write from {facts} and {previous_output}.', { agent_id: 'agent_writer', error_handling: 'retry' })], { inputs: { topic: { type: 'string', required: true } } }),
  recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 2, '{previous_output}', { depends_on: ['A', 'B'] }), step('D', 3, '{step_2_output} {"x": {}}')], { execution_config: { mode: 'parallel', parallel_limit: 2, retry_delay: 3 } }),
];

/** Replaces, removes or adds a value somewhere in a JSON document. */
function mutate(document: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0 || document === null || typeof document !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(document) ? [...document] : { ...(document as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[path[0] % keys.length];
  if (remove && path.length === 1) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1);
    else delete copy[key];
    return copy;
  }
  (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], path.slice(1), replacement, remove);
  return copy;
}

describe('the recipe compiler on any input', () => {
  it('never throws on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 });
  });

  it('never throws on recipe-shaped values with arbitrary fields', () => {
    fc.assert(fc.property(recipeArbitrary, check), { numRuns: 1500 });
  });

  it('never throws on mutated valid recipes', () => {
    for (const value of valid) expect(compileRecipe(value, agents, DEFAULT_MODELS).problems).toEqual([]);
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(fc.record({ path: fc.array(fc.nat(), { maxLength: 4 }), value: anyValue, remove: fc.boolean() }), { minLength: 1, maxLength: 5 }), (base, edits) => {
        check(edits.reduce<unknown>((document, edit) => mutate(document, edit.path, edit.value, edit.remove), base));
      }),
      { numRuns: 1500 },
    );
  });

  it('returns a result for hostile values', () => {
    const cyclic: Record<string, unknown> = { name: 'x', steps: [] };
    (cyclic.steps as unknown[]).push(cyclic);
    for (const value of [undefined, 0, '', Symbol('x'), () => 1, new Map(), Object.create(null), cyclic, { name: 'x', steps: [step('A', 1, '{'.repeat(100_000) + '}'.repeat(100_000))] }]) check(value);
  });

  it('compiles a thousand chained steps quickly', () => {
    const many = recipe(Array.from({ length: 1000 }, (_, i) => step(`S${i}`, i, i > 0 ? `{step_${i - 1}_output}` : 'go')), { execution_config: { mode: 'parallel' } });
    const started = performance.now();
    const result = compileRecipe(many, agents, DEFAULT_MODELS);
    expect(result.problems).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
