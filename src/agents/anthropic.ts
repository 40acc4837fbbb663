import Anthropic from '@anthropic-ai/sdk';
import type { JsonValue } from '../compiler/plan.ts';
import type { Agent, AgentResult } from './call.ts';
import type { ToolRegistry } from './tools.ts';

/**
 * Claude through the Messages API, streaming. The tool-use loop runs up to the step's `Max turns`:
 * each turn the model may call tools, whose results go back to it, until it answers. 429, 529 and
 * 5xx answers are retried by the SDK (honouring retry-after); a 400 fails the step with the API's
 * message.
 */
export function anthropicAgent(options: { apiKey: string; baseURL?: string; tools: ToolRegistry; maxRetries?: number }): Agent {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: options.maxRetries ?? 4 });
  return async (call) => {
    const tools = options.tools.toolsFor(call.tools);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: call.prompt }];
    const result: AgentResult = { text: '', tokensIn: 0, tokensOut: 0, tokensCacheRead: 0, tokensCacheWrite: 0, turns: 0, toolCalls: [] };
    for (;;) {
      result.turns++;
      const lastTurn = result.turns >= call.maxTurns;
      const stream = client.messages.stream(
        {
          model: call.modelId,
          max_tokens: call.maxTokens,
          system: call.system,
          messages,
          ...(call.temperature !== null ? { temperature: call.temperature } : {}),
          // On the last turn the model must answer, so it gets no tools.
          ...(tools.length > 0 && !lastTurn ? { tools: tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema })) } : {}),
        },
        { signal: call.signal },
      );
      stream.on('text', (delta) => call.onText(delta));
      const message = await stream.finalMessage();
      result.tokensIn += message.usage.input_tokens;
      result.tokensOut += message.usage.output_tokens;
      result.tokensCacheRead += message.usage.cache_read_input_tokens ?? 0;
      result.tokensCacheWrite += message.usage.cache_creation_input_tokens ?? 0;
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      const uses = message.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      if (message.stop_reason !== 'tool_use' || uses.length === 0) {
        result.text = text;
        return result;
      }
      messages.push({ role: 'assistant', content: message.content });
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const use of uses) {
        let output: JsonValue;
        let isError = false;
        const started = performance.now();
        try {
          output = await options.tools.call(use.name, use.input as JsonValue, call.signal);
        } catch (error) {
          output = (error as Error).message;
          isError = true;
        }
        result.toolCalls.push({ name: use.name, input: use.input as JsonValue, output, durationMs: Math.round(performance.now() - started) });
        results.push({ type: 'tool_result', tool_use_id: use.id, content: typeof output === 'string' ? output : JSON.stringify(output), ...(isError ? { is_error: true } : {}) });
      }
      messages.push({ role: 'user', content: results });
    }
  };
}
