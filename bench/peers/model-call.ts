// One model call as every peer makes it: the Anthropic SDK (the version Baton uses), streaming,
// text deltas read as they arrive, the final message awaited. The bare loop and the peers' nodes
// and steps all call this, so the only difference between them is the engine around it.
import Anthropic from '@anthropic-ai/sdk';

export const MODEL = 'claude-haiku-4-5';

export function modelClient(baseURL: string): Anthropic {
  return new Anthropic({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
}

export async function ask(client: Anthropic, prompt: string): Promise<string> {
  let text = '';
  const stream = client.messages.stream({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: prompt }] });
  stream.on('text', (delta) => (text += delta));
  await stream.finalMessage();
  return text;
}

/** The prompt of step `i` of run `n`: the fake model's log tells runs and steps apart by it. */
export const promptOf = (i: number, n: number) => `Step ${i} of run ${n}.`;
