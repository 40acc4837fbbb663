import type Anthropic from '@anthropic-ai/sdk';

/**
 * A streamed answer's events (the SDK's `messages.create({ stream: true })`) read into the message
 * they make up, each text delta handed to `onText` as it comes. The SDK's `messages.stream()` helper
 * assembles the same message, but emits several events per delta and copies the message at each
 * one: for a fan-out's 50 short answers, about a third of the CPU the calls cost the worker
 * (README, Benchmarks). Baton reads text and tool calls; other blocks are kept as they started,
 * their deltas (thinking, signatures, citations) applied too, so the message is whole.
 *
 * An answer is whole only at its `message_stop`. The SDK ends the events without an error when the
 * request is aborted (a stop, a step's timeout), so a stream that ends before then is an answer cut
 * short, and fails: a part of it must never pass for the answer.
 */
export async function readAnswer(events: AsyncIterable<Anthropic.RawMessageStreamEvent>, onText: (delta: string) => void): Promise<Anthropic.Message> {
  let message: Anthropic.Message | undefined;
  /** The tool calls' input, as JSON text until their block ends. */
  const inputs = new Map<number, string>();
  let stopped = false;
  for await (const event of events) {
    if (event.type === 'message_start') {
      message = { ...event.message, content: [], usage: { ...event.message.usage } };
      continue;
    }
    if (!message) throw new Error(`the model’s answer sent ${event.type} before message_start`);
    switch (event.type) {
      case 'content_block_start':
        message.content[event.index] = { ...event.content_block } as Anthropic.ContentBlock;
        break;
      case 'content_block_delta': {
        const block = message.content[event.index];
        const delta = event.delta;
        if (delta.type === 'text_delta' && block?.type === 'text') {
          block.text += delta.text;
          onText(delta.text);
        } else if (delta.type === 'input_json_delta') inputs.set(event.index, (inputs.get(event.index) ?? '') + delta.partial_json);
        else if (delta.type === 'thinking_delta' && block?.type === 'thinking') block.thinking += delta.thinking;
        else if (delta.type === 'signature_delta' && block?.type === 'thinking') block.signature = delta.signature;
        else if (delta.type === 'citations_delta' && block?.type === 'text') block.citations = [...(block.citations ?? []), delta.citation];
        break;
      }
      case 'content_block_stop': {
        const block = message.content[event.index];
        const input = inputs.get(event.index);
        if (input !== undefined && block && 'input' in block) block.input = input ? parseInput(input) : {};
        break;
      }
      case 'message_delta': {
        message.stop_reason = event.delta.stop_reason;
        message.stop_sequence = event.delta.stop_sequence;
        const usage = event.usage;
        message.usage.output_tokens = usage.output_tokens;
        // The other counters are whole-message totals, sent when they apply.
        if (usage.input_tokens != null) message.usage.input_tokens = usage.input_tokens;
        if (usage.cache_read_input_tokens != null) message.usage.cache_read_input_tokens = usage.cache_read_input_tokens;
        if (usage.cache_creation_input_tokens != null) message.usage.cache_creation_input_tokens = usage.cache_creation_input_tokens;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
    }
  }
  if (!message) throw new Error('the model’s answer ended before it began');
  if (!stopped) throw new Error('the model’s answer was cut short (no message_stop)');
  return message;
}

function parseInput(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(`the model’s tool call input is not valid JSON: ${json.slice(0, 200)}`);
  }
}
