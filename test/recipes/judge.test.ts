import { describe, expect, it } from 'vitest';
import { judgePrompt, readJudge, readVerdict } from '../../src/recipes/judge.ts';

describe('execution_config.judge', () => {
  it.each<[string, unknown, unknown]>([
    ['absent', undefined, null],
    ['null', null, null],
    ['an agent and criteria', { agent_id: 'agent_a', criteria: 'Cites sources' }, { agentId: 'agent_a', criteria: 'Cites sources' }],
    ['an agent alone (no criteria beyond the purpose)', { agent_id: 'agent_a' }, { agentId: 'agent_a', criteria: '' }],
    ['not an object', 'agent_a', '`judge` must be an object {agent_id, criteria}.'],
    ['no agent', { criteria: 'x' }, '`judge.agent_id` is required: the id of the stored agent that grades the output.'],
    ['an unknown field', { agent_id: 'a', model: 'opus' }, '`judge` has agent_id and criteria only, not `model`.'],
    ['criteria too long', { agent_id: 'a', criteria: 'x'.repeat(4001) }, '`judge.criteria` is a text of at most 4000 characters.'],
  ])('%s', (_name, value, expected) => expect(readJudge(value)).toEqual(expected));
});

describe("the judge's answer", () => {
  it.each<[string, string, unknown]>([
    ['plain JSON', '{"score": 0.8, "reasons": ["clear", "complete"]}', { score: 0.8, reasons: ['clear', 'complete'] }],
    ['fenced JSON', 'Here:\n```json\n{"score": 0.25, "reasons": ["thin"]}\n```', { score: 0.25, reasons: ['thin'] }],
    ['JSON inside prose', 'My verdict is {"score": 1, "reasons": []} overall.', { score: 1, reasons: [] }],
    ['a single reason as text', '{"score": 0, "reasons": "empty"}', { score: 0, reasons: ['empty'] }],
    ['a score rounded to four places', '{"score": 0.123456, "reasons": []}', { score: 0.1235, reasons: [] }],
    ['no JSON', 'Looks good to me.', { error: 'The judge did not answer with a JSON object: "Looks good to me."' }],
    ['a score above 1 (another scale)', '{"score": 8, "reasons": []}', { error: "The judge's score must be a number from 0 to 1, not 8" }],
    ['no score', '{"reasons": ["fine"]}', { error: "The judge's score must be a number from 0 to 1, not undefined" }],
  ])('%s', (_name, text, expected) => expect(readVerdict(text)).toEqual(expected));
});

describe("the judge's prompt", () => {
  it('names the purpose, the expected fields and the criteria, and cuts a huge output', () => {
    const prompt = judgePrompt({ name: 'Digest', description: 'A weekly digest', outputs: { summary: { type: 'string' } } }, 'Cites sources', 'y'.repeat(60_000));
    expect(prompt).toContain('Purpose: A weekly digest');
    expect(prompt).toContain('"summary"');
    expect(prompt).toContain('Criteria: Cites sources');
    expect(prompt).toContain('[… cut at 50000 characters]');
    expect(prompt.length).toBeLessThan(51_000);
    expect(judgePrompt({ name: 'D', description: '', outputs: {} }, '', 'ok')).toContain('Expected output fields: (none declared)');
  });
});
