import { OFFLINE_MODEL } from '../compiler/models.ts';
import type { JsonValue } from '../compiler/plan.ts';
import type { AgentCall, AgentResult } from './call.ts';

/** A value of the example shape: strings say they are offline, lists get two items (so fan-out has work). */
export function exampleOf(shape: JsonValue, label: string): JsonValue {
  if (Array.isArray(shape)) {
    const element = shape[0] ?? 'item';
    return [exampleOf(element, `${label} 1`), exampleOf(element, `${label} 2`)];
  }
  if (shape !== null && typeof shape === 'object') {
    return Object.fromEntries(Object.entries(shape).map(([name, value]) => [name, exampleOf(value, `${name} (${label})`)]));
  }
  if (typeof shape === 'number') return 1;
  if (typeof shape === 'boolean') return true;
  if (shape === null) return null;
  return shape === 'number' ? 1 : shape === 'boolean' ? true : `offline ${label}`;
}

const words = (prompt: string, count: number) => prompt.replace(/\s+/g, ' ').trim().split(' ').slice(0, count).join(' ');

/**
 * The built-in offline model: used without ANTHROPIC_API_KEY and for `Model: offline`. Instant and
 * deterministic; its text says plainly what it is, and JSON steps get a value of the declared shape.
 */
export async function offlineAgent(call: AgentCall): Promise<AgentResult> {
  const text =
    call.outputFormat === 'json'
      ? JSON.stringify(exampleOf(call.outputSchema ?? {}, 'example'), null, 2)
      : `This answer comes from Baton's offline model, not a real model (set ANTHROPIC_API_KEY to use Claude). The step asked: "${words(call.prompt, 40)}${call.prompt.split(/\s+/).length > 40 ? ' …' : ''}"`;
  for (const piece of text.match(/\S+\s*/g) ?? [text]) {
    if (call.signal.aborted) throw call.signal.reason ?? new Error('aborted');
    call.onText(piece);
  }
  return {
    text,
    model: OFFLINE_MODEL,
    tokensIn: Math.ceil((call.system.length + call.prompt.length) / 4),
    tokensOut: Math.ceil(text.length / 4),
    tokensCacheRead: 0,
    tokensCacheWrite: 0,
    turns: 1,
    toolCalls: [],
  };
}
