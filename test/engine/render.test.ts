import { describe, expect, it } from 'vitest';
import { evaluate, parseExpression } from '../../src/compiler/expression.ts';
import { readPath, renderText, type RenderScope } from '../../src/engine/render.ts';

const scope: RenderScope = {
  inputs: { topic: 'AI', count: 3, charts: false, companies: ['Acme', 'Globex'], ids: [1, 2], options: { tone: 'dry' } },
  steps: {
    research: { status: 'completed', output: 'Findings.', forEach: false },
    plan: { status: 'completed', output: { companies: [{ name: 'Acme', why: 'big' }] }, forEach: false },
    brief: { status: 'completed', output: ['Acme brief', 'Globex brief'], forEach: true },
    charts: { status: 'skipped', output: null, forEach: false },
  },
  item: { name: 'Acme', why: 'big' },
  index: 0,
  workflow: { name: 'Market' },
  execution: { id: 'exec_1' },
};

describe('rendering templates (spec §6.1)', () => {
  it('renders each kind of value the way the spec says', () => {
    expect(renderText('{{inputs.topic}}|{{inputs.count}}|{{inputs.charts}}|{{inputs.companies}}', scope)).toBe('AI|3|false|Acme, Globex');
    expect(renderText('{{inputs.ids}}', scope)).toBe('[\n  1,\n  2\n]');
    expect(renderText('{{inputs.options}}', scope)).toBe('{\n  "tone": "dry"\n}');
    expect(renderText('{{ steps.plan.output.companies[0].name }} ({{item.why}}), #{{index}}', scope)).toBe('Acme (big), #0');
    expect(renderText('{{workflow.name}} {{execution.id}} {{steps.research.status}}', scope)).toBe('Market exec_1 completed');
  });

  it('joins a For each step’s outputs with a rule, and renders a skipped step as nothing', () => {
    expect(renderText('{{steps.brief.output}}', scope)).toBe('Acme brief\n\n---\n\nGlobex brief');
    expect(renderText('{{steps.brief.output[1]}}', scope)).toBe('Globex brief');
    expect(renderText('[{{steps.charts.output}}]', scope)).toBe('[]');
  });

  it('writes \\{{ as a literal {{', () => {
    expect(renderText('\\{{inputs.topic}} is {{inputs.topic}}', scope)).toBe('{{inputs.topic}} is AI');
  });

  it('evaluates conditions over the same values', () => {
    const run = (text: string) => {
      const parsed = parseExpression(text);
      if ('error' in parsed) throw new Error(parsed.error);
      return evaluate(parsed.expression, (path) => readPath(path, scope));
    };
    expect(run('inputs.charts')).toBe(false);
    expect(run('inputs.topic == "AI" and not (steps.research.output contains "skip")')).toBe(true);
    expect(run('inputs.count >= 3 and inputs.companies contains "Globex"')).toBe(true);
    expect(run('inputs.count < 2 or steps.charts.status == "skipped"')).toBe(true);
    expect(run('steps.charts.output == ""')).toBe(true);
  });
});
