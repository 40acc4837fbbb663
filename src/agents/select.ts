import { OFFLINE_MODEL } from '../compiler/models.ts';
import type { Agent } from './call.ts';
import { offlineAgent } from './offline.ts';

/**
 * Which runtime answers for a model id: the offline model for `offline` and whenever no Anthropic
 * key is configured; Claude otherwise.
 */
export function agentSelector(anthropicApiKey: string | undefined): (modelId: string) => Agent {
  return (modelId) => {
    if (modelId === OFFLINE_MODEL || !anthropicApiKey) return offlineAgent;
    return async () => {
      throw new Error('calling Claude is not built yet in this version of Baton; unset ANTHROPIC_API_KEY to use the offline model');
    };
  };
}
