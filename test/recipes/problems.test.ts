import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../src/compiler/models.ts';
import { compileRecipe } from '../../src/recipes/compile.ts';
import { agents, recipe, step } from './stored-agents.ts';

const parallel = { execution_config: { mode: 'parallel' } };

/** Invalid recipes and every problem they have: path, code, and a part of the message. */
const cases: [string, unknown, [string, string, string?][]][] = [
  ['null', null, [['$', 'INVALID_RECIPE', 'not null']]],
  ['a list', [], [['$', 'INVALID_RECIPE', 'not a list']]],
  ['an empty object', {}, [['name', 'MISSING_FIELD'], ['steps', 'MISSING_FIELD']]],
  ['no steps', recipe([]), [['steps', 'NO_STEPS']]],
  ['steps not a list', recipe({} as never), [['steps', 'INVALID_TYPE']]],
  ['a name of the wrong type, a blank name', { name: 3, steps: [step('A', 1, 'a')] }, [['name', 'INVALID_TYPE', 'not number 3']]],
  ['a blank name', { name: '  ', steps: [step('A', 1, 'a')] }, [['name', 'MISSING_FIELD']]],
  [
    'a step missing everything, a step that is not an object',
    recipe([{}, 'x' as never]),
    [
      ['steps[0].step_id', 'MISSING_FIELD'],
      ['steps[0].order', 'MISSING_FIELD'],
      ['steps[0].agent_id', 'MISSING_FIELD'],
      ['steps[0].prompt_template', 'MISSING_FIELD'],
      ['steps[1]', 'INVALID_TYPE'],
    ],
  ],
  [
    'fields of the wrong type',
    recipe([{ step_id: 1, order: '1', agent_id: 'agent_research', prompt_template: ['a'], requires_approval: 'yes', max_iterations: 0, timeout: -1 }]),
    [
      ['steps[0].step_id', 'INVALID_TYPE'],
      ['steps[0].order', 'INVALID_TYPE'],
      ['steps[0].prompt_template', 'INVALID_TYPE'],
      ['steps[0].max_iterations', 'INVALID_VALUE', 'from 1 to 100'],
      ['steps[0].timeout', 'INVALID_VALUE', 'positive number of seconds'],
      ['steps[0].requires_approval', 'INVALID_TYPE'],
    ],
  ],
  ['a duplicate step_id', recipe([step('A', 1, 'a'), step('A', 2, 'b')]), [['steps[1].step_id', 'DUPLICATE_STEP_ID', 'already the step_id of steps[0]']]],
  [
    'error_handling and max_retries out of range',
    recipe([step('A', 1, 'a', { error_handling: 'retyr', max_retries: 11 })]),
    [
      ['steps[0].error_handling', 'INVALID_VALUE', 'Did you mean `retry`?'],
      ['steps[0].max_retries', 'INVALID_VALUE', 'from 0 to 10'],
    ],
  ],
  [
    'unknown, misnamed, inactive agents and an unknown model',
    recipe([step('A', 1, 'a', { agent_id: 'agent_reserch' }), step('B', 2, 'b', { agent_id: 'Writer' }), step('C', 3, 'c', { agent_id: 'agent_retired' }), step('D', 4, 'd', { agent_id: 'agent_strange' }), step('E', 5, 'e', { agent_id: 'agent_strange' })]),
    [
      ['steps[0].agent_id', 'UNKNOWN_AGENT', 'Did you mean `agent_research`?'],
      ['steps[1].agent_id', 'UNKNOWN_AGENT', '`Writer` is the name of agent `agent_writer`'],
      ['steps[2].agent_id', 'INACTIVE_AGENT', 'Agent `Retired` (`agent_retired`) is inactive'],
      ['steps[3].agent_id', 'UNKNOWN_MODEL', '`gpt-9`'],
    ],
  ],
  [
    'execution_config rules',
    recipe([step('A', 1, 'a')], { execution_config: { mode: 'serial', max_retries: -1, timeout_per_step: 0, total_timeout: 'long', parallel_limit: 0, retry_delay: -5, auto_learning: 'yes' } }),
    [
      ['execution_config.auto_learning', 'INVALID_TYPE'],
      ['execution_config.mode', 'INVALID_VALUE', 'sequential, parallel'],
      ['execution_config.max_retries', 'INVALID_VALUE'],
      ['execution_config.timeout_per_step', 'INVALID_VALUE', 'positive'],
      ['execution_config.total_timeout', 'INVALID_VALUE'],
      ['execution_config.parallel_limit', 'INVALID_VALUE', 'from 1 to 1000'],
      ['execution_config.retry_delay', 'INVALID_VALUE', 'non-negative'],
    ],
  ],
  ['execution_config not an object', recipe([step('A', 1, 'a')], { execution_config: 'fast' }), [['execution_config', 'INVALID_TYPE']]],
  ['a step timeout over 24 hours', recipe([step('A', 1, 'a', { timeout: 90_000_000 })]), [['steps[0].timeout', 'INVALID_VALUE', 'the limit is 86400 s']]],
  [
    'depends_on: unknown ids, itself, wrong types',
    recipe([step('A', 1, 'a', { depends_on: ['Nope', 'A', 3] }), step('B', 2, 'b', { depends_on: 'A' }), step('C', 3, 'c', { depends_on: { a: 1 } })], parallel),
    [
      ['steps[0].depends_on[2]', 'INVALID_TYPE'],
      ['steps[2].depends_on', 'INVALID_TYPE'],
      ['steps[0].depends_on[0]', 'UNKNOWN_DEPENDENCY', 'Steps: A, B, C.'],
      ['steps[0].depends_on[1]', 'SELF_DEPENDENCY'],
    ],
  ],
  [
    'a dependency cycle, named in the order the steps would run',
    recipe([step('A', 1, 'a', { depends_on: ['C'] }), step('B', 2, 'b', { depends_on: ['A'] }), step('C', 3, 'c', { depends_on: ['B'] })], parallel),
    [['steps[0].depends_on', 'DEPENDENCY_CYCLE', 'Dependency cycle: A → B → C → A.']],
  ],
  [
    'a cycle through the default dependency on the previous order',
    recipe([step('A', 1, 'a', { depends_on: ['B'] }), step('B', 2, 'b')], parallel),
    [['steps[0].depends_on', 'DEPENDENCY_CYCLE', 'A → B → A']],
  ],
  [
    'in sequential mode, depends_on a later step',
    recipe([step('A', 1, 'a', { depends_on: ['B'] }), step('B', 2, 'b')]),
    [['steps[0].depends_on[0]', 'DEPENDS_ON_LATER_STEP', '`B` runs after `A`']],
  ],
  [
    'unknown placeholders and inputs, with what is available',
    recipe([step('A', 1, '{input.topik} {summary} {summary} {inputs.topic}'), step('B', 2, '{step_9_output}')], { inputs: { topic: 'x' } }),
    [
      ['steps[0].prompt_template', 'UNKNOWN_INPUT', 'Did you mean `topic`? Inputs: topic.'],
      ['steps[0].prompt_template', 'UNKNOWN_PLACEHOLDER', '`{summary}` is not a placeholder this step can use. Available: {input.topic}.'],
      ['steps[0].prompt_template', 'UNKNOWN_PLACEHOLDER', 'Inputs are written `{input.topic}`.'],
      ['steps[1].prompt_template', 'UNKNOWN_PLACEHOLDER', 'Available: {input.topic}, {previous_output}, {step_1_output}.'],
    ],
  ],
  ['previous_output in the first step', recipe([step('A', 1, '{previous_output}')]), [['steps[0].prompt_template', 'NO_PREVIOUS_STEP']]],
  ['previous_output in parallel mode without dependencies', recipe([step('A', 1, 'a'), step('B', 2, '{previous_output}', { depends_on: [] })], parallel), [['steps[1].prompt_template', 'NO_PREVIOUS_STEP']]],
  [
    'placeholders naming later steps, a step not waited for, the step itself',
    recipe([step('A', 1, '{step_2_output}'), step('B', 2, '{b_out}', { output_key: 'b_out' })]),
    [
      ['steps[0].prompt_template', 'STEP_NOT_UPSTREAM', '`B` runs after `A`'],
      ['steps[1].prompt_template', 'SELF_REFERENCE'],
    ],
  ],
  [
    'in parallel mode, an output the step does not wait for',
    recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 2, '{step_1_output}'), step('D', 3, '{b}', { depends_on: ['A'] }), step('E', 2, 'x', { output_key: 'b' })], parallel),
    [
      ['steps[2].prompt_template', 'AMBIGUOUS_PLACEHOLDER', '`A`, `B`'],
      ['steps[3].prompt_template', 'STEP_NOT_UPSTREAM', '`D` does not wait for `E`'],
    ],
  ],
  [
    'output keys: invalid, reserved, duplicate',
    recipe([step('A', 1, 'a', { output_key: 'my key' }), step('B', 2, 'b', { output_key: 'previous_output' }), step('C', 3, 'c', { output_key: 'k' }), step('D', 4, 'd', { output_key: 'k' })]),
    [
      ['steps[0].output_key', 'INVALID_OUTPUT_KEY'],
      ['steps[1].output_key', 'INVALID_OUTPUT_KEY', 'already means something'],
      ['steps[3].output_key', 'DUPLICATE_OUTPUT_KEY', 'steps[2]'],
    ],
  ],
  [
    'inputs: bad names, specs, types, defaults and choices',
    recipe([step('A', 1, 'a')], { inputs: { 'target audience': 'x', n: 5, t: { type: 'strng' }, d: { type: 'number', default: 'five' }, e: { enum: [] }, r: { required: 'yes' } } }),
    [
      ['inputs["target audience"]', 'INVALID_INPUT_NAME'],
      ['inputs.n', 'INVALID_INPUT'],
      ['inputs.t.type', 'INVALID_VALUE', 'Did you mean `string`?'],
      ['inputs.d.default', 'INVALID_DEFAULT'],
      ['inputs.e.enum', 'INVALID_VALUE'],
      ['inputs.r.required', 'INVALID_TYPE'],
    ],
  ],
  ['inputs of the wrong type', recipe([step('A', 1, 'a')], { inputs: 'topic' }), [['inputs', 'INVALID_TYPE']]],
  ['outputs of the wrong type', recipe([step('A', 1, 'a')], { outputs: [] }), [['outputs', 'INVALID_TYPE']]],
  [
    'a backslash-brace right before a placeholder',
    recipe([step('A', 1, '\\{{input.x}')], { inputs: { x: 'x' } }),
    [['steps[0].prompt_template', 'ESCAPE_BEFORE_PLACEHOLDER']],
  ],
  ['too many steps', recipe(Array.from({ length: 1001 }, (_, i) => step(`S${i}`, i, 's'))), [['steps', 'TOO_MANY_STEPS', 'the limit is 1000']]],
];

describe('invalid recipes: every problem at once, with its path', () => {
  it.each(cases)('%s', (_name, value, expected) => {
    const result = compileRecipe(value, agents, DEFAULT_MODELS);
    expect(result.problems.map(({ path, code }) => [path, code])).toEqual(expected.map(([path, code]) => [path, code]));
    expected.forEach(([, , message], i) => {
      if (message) expect(result.problems[i].message).toContain(message);
    });
    expect(result.valid).toBe(false);
  });
});
