import { OFFLINE_MODEL } from '../compiler/models.ts';
import { anthropicAgent } from './anthropic.ts';
import type { Agent } from './call.ts';
import { offlineAgent } from './offline.ts';
import type { ToolRegistry } from './tools.ts';

/**
 * Which runtime answers for a model id: the offline model for `offline` and whenever no Anthropic
 * key is configured; Claude otherwise.
 */
export function agentSelector(options: { apiKey: string | undefined; baseURL: string | undefined; tools: ToolRegistry }): (modelId: string) => Agent {
  const claude = options.apiKey ? anthropicAgent({ apiKey: options.apiKey, baseURL: options.baseURL, tools: options.tools }) : undefined;
  return (modelId) => (modelId === OFFLINE_MODEL || !claude ? offlineAgent : claude);
}
