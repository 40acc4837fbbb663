import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../src/compiler/models.ts';
import { renderText } from '../../src/engine/render.ts';
import { compileRecipe } from '../../src/recipes/compile.ts';
import { agents, recipe, step } from './stored-agents.ts';

const compile = (value: unknown) => compileRecipe(value, agents, DEFAULT_MODELS);
const ctx = (id: string) => `\n\n## Context from the previous step\n\n{{steps.${id}.output}}`;

/** Valid recipes and (a subset of) the plans they compile to. */
const cases: [string, unknown, Record<string, unknown>][] = [
  [
    'a sequential chain, by order whatever the listing, each step given the one before as context',
    recipe([step('Write', 2, 'Write it.', { agent_id: 'agent_writer' }), step('Research', 1, 'Research things.'), step('Edit', 3, 'Edit it.', { agent_id: 'agent_editor' })]),
    {
      name: 'Test recipe',
      description: 'A recipe under test.',
      steps: [
        { id: 'research', title: 'Research', agent: 'agent_research', prompt: 'Research things.', dependsOn: [], retries: 0, retryDelayMs: 5000, timeoutMs: 300_000, onError: 'stop', maxTurns: 12, approval: false, outputFormat: 'markdown', condition: null, forEach: null },
        { id: 'write', agent: 'agent_writer', prompt: `Write it.${ctx('research')}`, dependsOn: ['research'], maxTurns: 25 },
        { id: 'edit', agent: 'agent_editor', prompt: `Edit it.${ctx('write')}`, dependsOn: ['write'], maxTurns: 25 },
      ],
      output: 'steps.edit.output',
      outputMode: 'path',
      outputType: 'markdown',
      maxParallel: null,
      totalTimeoutMs: 600_000,
    },
  ],
  [
    'sequential mode runs steps of the same order one after another, as listed',
    recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 2, 'c')]),
    { steps: [{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'], prompt: `b${ctx('a')}` }, { id: 'c', dependsOn: ['b'] }], output: 'steps.c.output' },
  ],
  [
    'parallel mode: depends_on, else every step of the nearest lower order; parallel_limit',
    recipe(
      [
        step('Market', 1, 'Study the market.'),
        step('Rivals', 1, 'Study rivals.'),
        step('Summary', 2, 'Summarise.', { agent_id: 'agent_writer' }),
        step('Quotes', 3, 'Find quotes.', { depends_on: ['Market'] }),
        step('Final', 3, 'Wrap up {step_2_output}.', { agent_id: 'agent_writer' }),
      ],
      { execution_config: { mode: 'parallel', parallel_limit: 2 } },
    ),
    {
      steps: [
        { id: 'market', dependsOn: [], prompt: 'Study the market.' },
        { id: 'rivals', dependsOn: [] },
        {
          id: 'summary',
          dependsOn: ['market', 'rivals'],
          prompt: 'Summarise.\n\n## Context from the previous steps\n\n### Market\n\n{{steps.market.output}}\n\n### Rivals\n\n{{steps.rivals.output}}',
        },
        { id: 'quotes', dependsOn: ['market'], prompt: `Find quotes.${ctx('market')}` },
        { id: 'final', dependsOn: ['summary'], prompt: 'Wrap up {{steps.summary.output}}.' },
      ],
      output: '## Quotes\n\n{{steps.quotes.output}}\n\n## Final\n\n{{steps.final.output}}',
      outputMode: 'template',
      maxParallel: 2,
    },
  ],
  [
    'parallel mode without parallel_limit has no limit, and an empty depends_on starts at once',
    recipe([step('A', 1, 'a'), step('B', 2, 'b', { depends_on: [] })], { execution_config: { mode: 'parallel' } }),
    { steps: [{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: [], prompt: 'b' }], maxParallel: null, output: 'steps.b.output' },
  ],
  [
    'retry: max_retries from the step, else execution_config, else 1; exponential backoff from retry_delay',
    recipe(
      [step('A', 1, 'a', { error_handling: 'retry', max_retries: 5 }), step('B', 2, 'b', { error_handling: 'retry' })],
      { execution_config: { max_retries: 3, retry_delay: 2 } },
    ),
    { steps: [{ id: 'a', retries: 5, retryDelayMs: 2000, onError: 'retry' }, { id: 'b', retries: 3, retryDelayMs: 2000, onError: 'retry' }] },
  ],
  [
    'retry without any max_retries retries once, after 5 s',
    recipe([step('A', 1, 'a', { error_handling: 'retry' })]),
    { steps: [{ retries: 1, retryDelayMs: 5000, onError: 'retry' }] },
  ],
  [
    'continue and skip go on after a failure; stop fails; max_retries means nothing without retry',
    recipe([step('A', 1, 'a', { error_handling: 'continue', max_retries: 4 }), step('B', 2, 'b', { error_handling: 'skip' }), step('C', 3, 'c', { error_handling: 'STOP' })]),
    { steps: [{ onError: 'continue', retries: 0 }, { onError: 'continue', retries: 0 }, { onError: 'stop', retries: 0 }] },
  ],
  [
    'durations are seconds, or milliseconds from 10000 on',
    recipe([step('A', 1, 'a', { timeout: 60 }), step('B', 2, 'b'), step('C', 3, 'c', { timeout: 90_000 })], {
      execution_config: { timeout_per_step: 12_000, total_timeout: 900, retry_delay: 15_000 },
    }),
    { steps: [{ timeoutMs: 60_000, retryDelayMs: 15_000 }, { timeoutMs: 12_000 }, { timeoutMs: 90_000 }], totalTimeoutMs: 900_000 },
  ],
  [
    'output keys: explicit, and step_<order> by default',
    recipe([step('Research', 1, 'Research.', { output_key: 'facts' }), step('Outline', 2, 'Outline {facts}.'), step('Write', 3, 'Write {step_2} from {facts}.')]),
    { steps: [{ id: 'research' }, { prompt: 'Outline {{steps.research.output}}.' }, { prompt: 'Write {{steps.outline.output}} from {{steps.research.output}}.' }] },
  ],
  [
    'templates of every kind, and literal braces kept',
    recipe(
      [
        step('One', 1, 'About {input.topic} for {input.audience}.'),
        step('Two', 2, 'Use {previous_output}, {step_1_output} and {step_1}. Answer as {"title": "…", "tags": []} or { x }, {}, \\{topic} and {{ double }}.'),
      ],
      { inputs: { topic: { type: 'string', required: true }, audience: 'Who reads it' } },
    ),
    {
      steps: [
        { prompt: 'About {{inputs.topic}} for {{inputs.audience}}.' },
        { prompt: 'Use {{steps.one.output}}, {{steps.one.output}} and {{steps.one.output}}. Answer as {"title": "…", "tags": []} or { x }, {}, {topic} and \\{{ double }}.' },
      ],
    },
  ],
  [
    'no context is appended to the first step, nor to a step that reads an earlier output',
    recipe([step('A', 1, 'a {input.x}'), step('B', 2, 'b {input.x}'), step('C', 3, 'c {step_1_output}')], { inputs: { x: {} } }),
    { steps: [{ prompt: 'a {{inputs.x}}' }, { prompt: `b {{inputs.x}}${ctx('a')}` }, { prompt: 'c {{steps.a.output}}' }] },
  ],
  [
    'previous_output in parallel mode with several dependencies: each under its step_id',
    recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 2, 'Merge:\n{previous_output}')], { execution_config: { mode: 'parallel' } }),
    { steps: [{}, {}, { prompt: 'Merge:\n### A\n\n{{steps.a.output}}\n\n### B\n\n{{steps.b.output}}' }], output: 'steps.c.output' },
  ],
  [
    'inputs: a description, an object with or without type, a list, type aliases',
    recipe([step('A', 1, 'a')], {
      inputs: {
        topic: 'The subject',
        depth: { type: 'integer', default: 2, description: 'How deep' },
        tone: { enum: ['dry', 'warm'], required: true },
        tags: { type: 'array' },
        scores: { type: 'array', items: { type: 'number' } },
        flags: { default: false },
        extra: { type: 'object', required: true, default: { a: 1 } },
      },
    }),
    {
      inputs: [
        { name: 'topic', type: 'string', required: false, default: null, enum: null, description: 'The subject' },
        { name: 'depth', type: 'number', required: false, default: 2, description: 'How deep' },
        { name: 'tone', type: 'string', required: true, enum: ['dry', 'warm'] },
        { name: 'tags', type: 'string[]' },
        { name: 'scores', type: 'number[]' },
        { name: 'flags', type: 'boolean', default: false },
        { name: 'extra', type: 'object', required: false, default: { a: 1 } },
      ],
    },
  ],
  [
    'inputs as a list of named specs',
    recipe([step('A', 1, '{input.q}')], { inputs: [{ name: 'q', type: 'string', required: true }] }),
    { inputs: [{ name: 'q', type: 'string', required: true }], steps: [{ prompt: '{{inputs.q}}' }] },
  ],
  [
    'step ids: slugs of step_id, unique, step_<n> when no letter or digit is left',
    recipe([step('Deep Research!', 1, 'a'), step('deep research', 2, 'b'), step('研究', 3, 'c'), step('1st pass', 4, 'd {step_3_output}')]),
    { steps: [{ id: 'deep_research', title: 'Deep Research!' }, { id: 'deep_research_2', title: 'deep research' }, { id: 'step_3', title: '研究' }, { id: '1st_pass', prompt: 'd {{steps.step_3.output}}' }] },
  ],
  [
    'max_iterations and requires_approval',
    recipe([step('A', 1, 'a', { max_iterations: 7, requires_approval: true }), step('B', 2, 'b', { agent_id: 'agent_editor' })]),
    { steps: [{ maxTurns: 7, approval: true }, { maxTurns: 25, approval: false }] },
  ],
  [
    'agents are copied into the plan: model resolved, stored system prompt kept or built from name and description',
    recipe([step('A', 1, 'a'), step('B', 2, 'b', { agent_id: 'agent_writer' }), step('C', 3, 'c', { agent_id: 'agent_editor' }), step('D', 4, 'd')]),
    {
      agents: [
        { id: 'agent_research', name: 'Researcher', description: 'Finds and checks facts.', model: 'sonnet', modelId: 'claude-sonnet-5-5', tools: ['web'], temperature: null, maxTokens: 4096 },
        { id: 'agent_writer', model: 'haiku', modelId: 'claude-haiku-5-5', systemPrompt: 'You write short, clear articles.' },
        { id: 'agent_editor', model: 'claude-opus-4-1', modelId: 'claude-opus-4-1', tools: ['style'] },
      ],
    },
  ],
];

describe('compiling valid recipes', () => {
  it.each(cases)('%s', (_name, value, expected) => {
    const result = compile(value);
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.plan).toMatchObject(expected);
    expect(result.plan.compilerNotes).toEqual([]);
  });

  it('builds a default system prompt from the agent’s name and description, as for markdown agents', () => {
    const { plan } = compile(recipe([step('A', 1, 'a'), step('B', 2, 'b', { agent_id: 'agent_editor' })], { name: 'Blog' }));
    expect(plan.agents[0].systemPrompt).toContain('You are Researcher, an agent in the workflow "Blog".');
    expect(plan.agents[0].systemPrompt).toContain('Finds and checks facts.');
    expect(plan.agents[0].systemPrompt).toContain('In this workflow you carry out: A.');
    // A blank stored prompt counts as none.
    expect(plan.agents[1].systemPrompt).toContain('You are Editor');
  });

  it('copies agents: a later edit of the stored agent does not change the plan', () => {
    const stored = agents.map((agent) => ({ ...agent, tools: [...agent.tools] }));
    const { plan } = compileRecipe(recipe([step('A', 1, 'a')]), stored, DEFAULT_MODELS);
    stored[0].tools.push('shell');
    stored[0].name = 'Renamed';
    expect(plan.agents[0]).toMatchObject({ name: 'Researcher', tools: ['web'] });
  });

  it('accepts null as "not set" for optional fields', () => {
    const result = compile(recipe([step('A', 1, 'a', { error_handling: null, timeout: null, depends_on: null, output_key: null })], { execution_config: { mode: null }, inputs: null, outputs: null, description: null }));
    expect(result.problems).toEqual([]);
  });

  it('is deterministic', () => {
    const value = cases[2][1];
    expect(JSON.stringify(compile(value))).toBe(JSON.stringify(compile(value)));
  });

  it('produces prompts the engine renders as the recipe meant, literal braces included', () => {
    const result = compile(
      recipe([step('One', 1, '{input.topic}'), step('Two', 2, 'JSON {"a": {"b": 1}} {{{input.topic}}} \\{previous_output} {{ y }} \\{{ z }} {step_1}{{{previous_output}')], {
        inputs: { topic: 'subject' },
      }),
    );
    expect(result.problems).toEqual([]);
    const text = renderText(result.plan.steps[1].prompt, {
      inputs: { topic: 'AI' },
      steps: { one: { status: 'completed', output: 'OUT', forEach: false } },
      workflow: { name: 'w' },
      execution: { id: 'e' },
    });
    expect(text).toBe('JSON {"a": {"b": 1}} {{AI}} {previous_output} {{ y }} \\{{ z }} OUT{{OUT');
  });
});
