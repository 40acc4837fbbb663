import { OFFLINE_MODEL } from '../compiler/models.ts';
import { anthropicAgent } from './anthropic.ts';
import type { Agent } from './call.ts';
import { modelRequest, type ModelTelemetry } from './model-request.ts';
import { offlineAgent } from './offline.ts';
import type { ToolRegistry } from './tools.ts';

/**
 * Which runtime answers for a model id: the offline model for `offline` and whenever no Anthropic
 * key is configured; Claude otherwise. Both are measured alike (spans and metrics).
 */
export function agentSelector(options: { apiKey: string | undefined; baseURL: string | undefined; tools: ToolRegistry; telemetry: ModelTelemetry }): (modelId: string) => Agent {
  const claude = options.apiKey ? anthropicAgent({ apiKey: options.apiKey, baseURL: options.baseURL, tools: options.tools, telemetry: options.telemetry }) : undefined;
  const offline: Agent = (call) =>
    modelRequest(options.telemetry, { provider: 'baton', model: call.modelId, maxTokens: call.maxTokens, temperature: call.temperature }, () => offlineAgent(call), (result) => ({
      model: result.model ?? OFFLINE_MODEL,
      tokensIn: result.tokensIn,
      tokensOut: result.tokensOut,
      tokensCacheRead: result.tokensCacheRead,
      tokensCacheWrite: result.tokensCacheWrite,
    }));
  return (modelId) => (modelId === OFFLINE_MODEL || !claude ? offline : claude);
}
