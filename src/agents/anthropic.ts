import Anthropic from '@anthropic-ai/sdk';
import type { JsonValue } from '../compiler/plan.ts';
import { SpanKind } from '@opentelemetry/api';
import { inSpan } from '../telemetry/tracer.ts';
import type { Agent, AgentResult } from './call.ts';
import { modelFetch } from './model-fetch.ts';
import { readAnswer } from './answer-events.ts';
import { modelRequest, type ModelTelemetry } from './model-request.ts';
import type { ToolRegistry } from './tools.ts';

/**
 * Claude through the Messages API, streaming. The tool-use loop runs up to the step's `Max turns`:
 * each turn the model may call tools (its tool servers', as `<alias>__<tool>`), whose results go back
 * to it, until it answers. A failed call goes back as an error result (`is_error`), so the model
 * can recover. 429, 529 and 5xx answers are retried by the SDK (honouring retry-after); a 400 fails
 * the step with the API's message. Each request is measured (model-request.ts) and each tool call
 * is a GenAI `execute_tool` span when tracing.
 */
export function anthropicAgent(options: { apiKey: string; baseURL?: string; tools: ToolRegistry; maxRetries?: number; telemetry: ModelTelemetry }): Agent {
  // The SDK's own spans are off: Baton's span of each request carries the same GenAI attributes and
  // the cost, and two spans of one request would count its tokens twice.
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: options.maxRetries ?? 4, fetch: modelFetch, openTelemetry: { traces: false, propagation: false } });
  return async (call) => {
    const toolbox = call.tools.length ? await options.tools.open(call.tenantId, call.tools, call.signal) : undefined;
    const tools = toolbox?.definitions ?? [];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: call.prompt }];
    const result: AgentResult = { text: '', tokensIn: 0, tokensOut: 0, tokensCacheRead: 0, tokensCacheWrite: 0, turns: 0, toolCalls: [] };
    // The step's reservation covers its system prompt, prompt and one answer: the tools' definitions,
    // and each further turn with the conversation so far, are reserved before they are sent.
    const definitions = tools.length ? JSON.stringify(tools) : '';
    if (definitions) await call.reserve?.(definitions, 0);
    for (;;) {
      if (result.turns > 0) await call.reserve?.(call.system + definitions + JSON.stringify(messages), call.maxTokens);
      result.turns++;
      const lastTurn = result.turns >= call.maxTurns;
      const send = async () => {
        const events = await client.messages.create(
          {
            model: call.modelId,
            max_tokens: call.maxTokens,
            system: call.system,
            messages,
            ...(call.temperature !== null ? { temperature: call.temperature } : {}),
            // On the last turn the model must answer, so it gets no tools.
            ...(tools.length > 0 && !lastTurn ? { tools: tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema })) } : {}),
            stream: true,
          },
          { signal: call.signal },
        );
        return readAnswer(events, call.onText);
      };
      const message = await modelRequest(options.telemetry, { provider: 'anthropic', model: call.modelId, maxTokens: call.maxTokens, temperature: call.temperature }, send, (answer) => ({
        model: answer.model,
        id: answer.id,
        finishReason: answer.stop_reason,
        tokensIn: answer.usage.input_tokens,
        tokensOut: answer.usage.output_tokens,
        tokensCacheRead: answer.usage.cache_read_input_tokens ?? 0,
        tokensCacheWrite: answer.usage.cache_creation_input_tokens ?? 0,
      }));
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
      // The calls of one turn run side by side, as the model asked for them together.
      const outcomes = await Promise.all(
        uses.map((use) =>
          inSpan(`execute_tool ${use.name}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': use.name, 'gen_ai.tool.call.id': use.id, 'gen_ai.tool.type': 'extension' } }, undefined, async (span) => {
            const started = performance.now();
            const outcome = toolbox
              ? await toolbox.call(use.name, use.input as JsonValue, call.signal)
              : { content: `No tool named ${use.name}: this step has no tools`, output: `No tool named ${use.name}: this step has no tools`, isError: true };
            if (outcome.isError) span?.setAttribute('error.type', 'tool_error');
            return { use, outcome, durationMs: Math.round(performance.now() - started) };
          }),
        ),
      );
      for (const { use, outcome, durationMs } of outcomes) result.toolCalls.push({ name: use.name, input: use.input as JsonValue, output: outcome.output, durationMs, isError: outcome.isError });
      messages.push({
        role: 'user',
        content: outcomes.map(({ use, outcome }): Anthropic.ToolResultBlockParam => ({ type: 'tool_result', tool_use_id: use.id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) })),
      });
    }
  };
}
