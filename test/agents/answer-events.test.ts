import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { readAnswer } from '../../src/agents/answer-events.ts';

async function* stream(events: object[]): AsyncIterable<Anthropic.RawMessageStreamEvent> {
  for (const event of events) yield event as Anthropic.RawMessageStreamEvent;
}

const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 30, output_tokens: 1 } } };

describe('readAnswer', () => {
  it('assembles text and a tool call streamed in pieces, with the final usage, handing on each text delta', async () => {
    const texts: string[] = [];
    const message = await readAnswer(
      stream([
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'look.' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'search', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"query": "ti' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'des", "limit": 3}' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42, cache_read_input_tokens: 7 } },
        { type: 'message_stop' },
      ]),
      (delta) => texts.push(delta),
    );
    expect(texts).toEqual(['Let me ', 'look.']);
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_1', name: 'search', input: { query: 'tides', limit: 3 } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 42, cache_read_input_tokens: 7 });
  });

  it('reads a tool call with no input as {}', async () => {
    const message = await readAnswer(
      stream([
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } },
        { type: 'message_stop' },
      ]),
      () => {},
    );
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_2', name: 'now', input: {} }]);
  });

  it('fails with a message naming the problem when the stream is not an answer', async () => {
    await expect(readAnswer(stream([{ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }]), () => {})).rejects.toThrow('content_block_start before message_start');
    await expect(readAnswer(stream([]), () => {})).rejects.toThrow('ended before it began');
    // What the SDK's events come to when the request is aborted mid-answer: they just end.
    const cut = [start, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half' } }];
    await expect(readAnswer(stream(cut), () => {})).rejects.toThrow('the model’s answer was cut short (no message_stop)');
    const broken = [start, { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'x', input: {} } }, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a": ' } }, { type: 'content_block_stop', index: 0 }];
    await expect(readAnswer(stream(broken), () => {})).rejects.toThrow('tool call input is not valid JSON: {"a": ');
  });
});
