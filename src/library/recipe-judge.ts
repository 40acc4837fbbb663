import type { Agent } from '../agents/call.ts';
import { estimateCost, type PriceTable } from '../agents/prices.ts';
import { resolveModel, type ModelRegistry } from '../compiler/models.ts';
import { ValidationError } from '../errors.ts';
import { JUDGE_SYSTEM, judgePrompt, readJudge, readVerdict, VERDICT_SHAPE, type JudgeConfig } from '../recipes/judge.ts';
import type { Db } from '../store/db.ts';

export interface JudgeDeps {
  db: Db;
  agentFor(modelId: string): Agent;
  prices: PriceTable;
  models: ModelRegistry;
}

/** The judged figure as stored with an assessment (the recipe API's snake_case): a score, or the error that left it null. */
export interface Judged {
  score: number | null;
  reasons: string[];
  error: string | null;
  agent_id: string;
  model: string | null;
  criteria: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  duration_ms: number;
}

/** A judge call waits at most this long: the assessment answers either way. */
export const JUDGE_TIMEOUT_MS = 120_000;

/** The judge to use: the argument, else the recipe's `execution_config.judge`, else none. */
export function judgeOf(given: JudgeConfig | null | undefined, executionConfig: unknown): JudgeConfig | null {
  if (given) {
    const checked = readJudge({ agent_id: given.agentId, criteria: given.criteria });
    if (typeof checked === 'string') throw new ValidationError('Invalid judge', checked);
    return checked;
  }
  const configured = readJudge((executionConfig as { judge?: unknown } | null)?.judge);
  return typeof configured === 'string' ? null : configured;
}

/**
 * Has the judge agent grade a finished execution's final output. Never throws for the judge's own
 * failures (an unknown agent, a model error, an answer that is no verdict): they are the figure's
 * `error`, so the five documented dimensions are assessed regardless.
 */
export async function judgeOutput(
  deps: JudgeDeps,
  tenantId: string,
  recipe: { name: string; description: string; outputs: unknown },
  execution: { status: string; output: string | null },
  judge: JudgeConfig,
): Promise<Judged> {
  const judged: Judged = { score: null, reasons: [], error: null, agent_id: judge.agentId, model: null, criteria: judge.criteria, tokens_in: 0, tokens_out: 0, cost_usd: 0, duration_ms: 0 };
  if (execution.status !== 'completed' || execution.output === null) return { ...judged, error: `Only a completed execution's output is judged; this one is ${execution.status}` };
  const agent = await deps.db.agent.findFirst({ where: { id: judge.agentId, tenantId } });
  if (!agent) return { ...judged, error: `No agent with ID ${judge.agentId} exists in this workspace to judge` };
  const modelId = resolveModel(deps.models, agent.model);
  if (!modelId) return { ...judged, error: `The judge agent's model "${agent.model}" is no model` };
  const started = performance.now();
  try {
    const result = await deps.agentFor(modelId)({
      tenantId, modelId, system: agent.systemPrompt ? `${agent.systemPrompt}\n\n${JUDGE_SYSTEM}` : JUDGE_SYSTEM,
      prompt: judgePrompt(recipe, judge.criteria, execution.output), maxTokens: 1024, temperature: 0, maxTurns: 1, tools: [],
      outputFormat: 'json', outputSchema: VERDICT_SHAPE, signal: AbortSignal.timeout(JUDGE_TIMEOUT_MS), onText: () => {},
    });
    const verdict = readVerdict(result.text);
    const answeredBy = result.model ?? modelId;
    return {
      ...judged, ...('error' in verdict ? { error: verdict.error } : verdict), model: answeredBy,
      tokens_in: result.tokensIn, tokens_out: result.tokensOut, cost_usd: estimateCost(deps.prices, answeredBy, result), duration_ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    return { ...judged, model: modelId, error: `The judge's model failed: ${(error as Error).message}`, duration_ms: Math.round(performance.now() - started) };
  }
}
