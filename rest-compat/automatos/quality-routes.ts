import type { z } from 'zod';
import { failIfError, RestError } from '../graphql.ts';
import { found, type Call, type RestRoute } from '../route.ts';
import * as op from './quality-operations.ts';
import * as schemas from './quality-schemas.ts';
import { recipeByRef } from './recipe-routes.ts';

const BASE = '/api/workflow-recipes/:recipe_id';
const EXECUTION_ID = 'exec_0h3bq9c2m1x8v7k4l5p6n2r1t';

type Learning = z.infer<typeof schemas.LearningResult>;
type Data = { analysis_count?: number; last_analyzed_at?: string | null; latest_patterns?: Learning['patterns']; latest_performance?: Learning['performance_metrics'] | null } | null;

const learningExample: Learning = {
  execution_id: EXECUTION_ID,
  analyzed_at: '2026-02-27T10:31:00.000Z',
  patterns: [
    { type: 'failure', severity: 'high', description: 'The execution failed: Step write failed: overloaded', error: 'Step write failed: overloaded' },
    { type: 'step_failure', severity: 'high', step_index: 1, step_id: 'write', agent_id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', error: 'overloaded', description: 'Step write failed: overloaded' },
  ],
  suggestions: [
    { type: 'prompt_rewrite', priority: 'high', pattern: 'failure', description: 'Rewrite the prompts so the execution can succeed (it failed with: Step write failed: overloaded)' },
    { type: 'prompt_rewrite', priority: 'high', pattern: 'step_failure', step_index: 1, step_id: 'write', agent_id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', description: 'Rewrite the prompt of step write to be clearer and more specific (it failed with: overloaded)' },
    { type: 'model_upgrade', priority: 'medium', pattern: 'step_failure', step_index: 1, step_id: 'write', agent_id: 'agent_1k2bq9c2m1x8v7k4l5p6n2r1t', description: 'Run step write on a more capable model' },
  ],
  performance_metrics: {
    total_duration_ms: 9400,
    step_durations: [{ step_index: 0, duration_ms: 8200, status: 'completed' }, { step_index: 1, duration_ms: 1100, status: 'failed' }],
    success_rate: 0.5,
    total_retries: 0,
    error_count: 2,
    total_steps: 2,
    successful_steps: 1,
  },
};

/** The recipe (404 first, as for every route), then the body's required execution_id (400). */
async function executionIdOf({ params, body, run }: Call): Promise<{ recipeId: string; executionId: string }> {
  const recipe = await recipeByRef(run, params.recipe_id);
  if (typeof body.execution_id !== 'string') throw new RestError(400, 'Bad request', '`execution_id` is required: the id (exec_…) of one of this recipe\'s executions');
  return { recipeId: recipe.id, executionId: body.execution_id };
}

export const qualityRoutes = (): RestRoute[] => [
  {
    method: 'POST',
    path: `${BASE}/assess-quality`,
    operationId: 'assessRecipeQuality',
    summary:
      "Assesses one of the recipe's executions: five dimensions in [0, 1] (completeness, accuracy, efficiency, reliability, cost), their mean, a grade and the bottlenecks; stored with the execution. The first assessment of a finished execution enters the recipe's quality_score (0.3 × new + 0.7 × old); a running one is assessed as running and enters nothing. Baton: with `judge` (or the recipe's execution_config.judge), a model also grades the final output, reported apart as `judged`.",
    status: 200,
    body: schemas.AssessBody,
    response: schemas.QualityAssessment,
    example: {
      execution_id: EXECUTION_ID,
      assessed_at: '2026-02-27T10:31:00.000Z',
      quality_score: 0.9312,
      breakdown: { completeness: 1, accuracy: 1, efficiency: 1, reliability: 1, cost: 0.656 },
      grade: 'A',
      bottlenecks: [{ type: 'slow_step', step_index: 0, step_id: 'research', agent_id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t', duration_ms: 8200, description: 'Step research took 8.2 s' }],
      judged: {
        score: 0.8, reasons: ['Covers every requested section', 'The summary repeats the introduction'], error: null, agent_id: 'agent_2k2bq9c2m1x8v7k4l5p6n2r1t',
        model: 'claude-sonnet-4-5', criteria: 'Cites a source for each claim', tokens_in: 1840, tokens_out: 96, cost_usd: 0.00696, duration_ms: 2100,
      },
    } satisfies z.infer<typeof schemas.QualityAssessment>,
    errors: [400, 404],
    async handle(call) {
      const ids = await executionIdOf(call);
      const judge = call.body.judge as { agent_id: string; criteria?: string } | undefined;
      const assessed = failIfError(
        (await call.run(op.AssessExecution, { ...ids, learnings: call.body.learnings ?? null, judge: judge ? { agentId: judge.agent_id, criteria: judge.criteria ?? '' } : null })).assessExecution,
      );
      return {
        execution_id: assessed.executionId,
        assessed_at: assessed.assessedAt,
        quality_score: assessed.qualityScore,
        breakdown: assessed.breakdown,
        grade: assessed.grade,
        bottlenecks: assessed.bottlenecks,
        judged: assessed.judged
          ? {
              score: assessed.judged.score ?? null, reasons: assessed.judged.reasons, error: assessed.judged.error ?? null, agent_id: assessed.judged.agentId, model: assessed.judged.model ?? null,
              criteria: assessed.judged.criteria, tokens_in: assessed.judged.tokensIn, tokens_out: assessed.judged.tokensOut, cost_usd: assessed.judged.costUsd, duration_ms: assessed.judged.durationMs,
            }
          : null,
      };
    },
  },
  {
    method: 'POST',
    path: `${BASE}/learn`,
    operationId: 'learnFromRecipeExecution',
    summary:
      "Analyses one of the recipe's executions by rule (failures, slow steps, empty outputs, retries, missing inputs), suggests improvements, and appends the analysis to the recipe's learning_data (the last 50 kept).",
    status: 200,
    body: schemas.LearnBody,
    response: schemas.LearningResult,
    example: learningExample,
    errors: [400, 404],
    async handle(call) {
      const learned = failIfError((await call.run(op.LearnFromExecution, await executionIdOf(call))).learnFromExecution);
      return { execution_id: learned.executionId, analyzed_at: learned.analyzedAt, patterns: learned.patterns, suggestions: learned.suggestions, performance_metrics: learned.performanceMetrics };
    },
  },
  {
    method: 'GET',
    path: `${BASE}/suggestions`,
    operationId: 'getRecipeSuggestions',
    summary: "What learning suggests for the recipe: the suggestions of its last 50 analyses (one per kind and step, with how often), the latest patterns and performance metrics.",
    status: 200,
    response: schemas.RecipeSuggestions,
    example: {
      recipe_id: 'research-brief',
      quality_score: 0.71,
      suggestions: learningExample.suggestions.map((suggestion) => ({ ...suggestion, occurrences: 3, last_seen_at: '2026-02-27T10:31:00.000Z' })),
      patterns: learningExample.patterns,
      performance_metrics: learningExample.performance_metrics,
      last_analyzed_at: '2026-02-27T10:31:00.000Z',
      analysis_count: 5,
    } satisfies z.infer<typeof schemas.RecipeSuggestions>,
    errors: [404],
    async handle({ params, run }) {
      const ref = await recipeByRef(run, params.recipe_id);
      const recipe = found((await run(op.RecipeSuggestions, { templateId: ref.templateId })).recipe, 'Recipe', params.recipe_id);
      const data = recipe.learningData as Data;
      return {
        recipe_id: recipe.templateId,
        quality_score: recipe.qualityScore ?? null,
        suggestions: recipe.suggestions,
        patterns: data?.latest_patterns ?? [],
        performance_metrics: data?.latest_performance ?? null,
        last_analyzed_at: data?.last_analyzed_at ?? null,
        analysis_count: data?.analysis_count ?? 0,
      };
    },
  },
];
