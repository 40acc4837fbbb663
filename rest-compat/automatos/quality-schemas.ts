import { z } from 'zod';

// Quality assessment, learning and suggestions in the product's JSON (spec recipes-api.md §4, §5).

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const score = () => z.number().min(0).max(1);
const json = z.unknown();

// execution_id is required, checked after the recipe is found (another workspace's recipe is a 404 first).
export const AssessBody = z.strictObject({
  execution_id: z.string().min(1).optional().describe("Required: one of this recipe's executions"),
  learnings: json.optional().describe('A learn answer ({patterns}) or a list of patterns with severity, weighed by reliability; by default the latest analysis of the execution'),
  judge: z
    .strictObject({ agent_id: z.string().min(1).describe('The stored agent that grades the output'), criteria: z.string().max(4000).optional() })
    .optional()
    .describe("Baton: also have a model grade the final output (default: the recipe's execution_config.judge, if any)"),
});

export const LearnBody = z.strictObject({ execution_id: z.string().min(1).optional().describe("Required: one of this recipe's executions") });

export const Bottleneck = z.object({
  type: z.enum(['slow_step', 'failed_step', 'high_retry_step']),
  step_index: z.number().int().describe('The step\'s place among the steps that ran (0-based)'),
  step_id: z.string(),
  agent_id: z.string().nullable(),
  description: z.string(),
  duration_ms: z.number().int().optional(),
  error: z.string().nullable().optional(),
  retries: z.number().int().optional(),
});

export const QualityAssessment = z.object({
  execution_id: z.string(),
  assessed_at: timestamp,
  quality_score: score().describe('The mean of the five dimensions'),
  breakdown: z.object({ completeness: score(), accuracy: score(), efficiency: score(), reliability: score(), cost: score() }),
  grade: z.enum(['A', 'B', 'C', 'D', 'F']).describe('A ≥ 0.9, B ≥ 0.75, C ≥ 0.6, D ≥ 0.4, else F'),
  bottlenecks: z.array(Bottleneck),
  judged: z
    .object({
      score: score().nullable().describe('Null when judging failed: see error'),
      reasons: z.array(z.string()),
      error: z.string().nullable(),
      agent_id: z.string(),
      model: z.string().nullable(),
      criteria: z.string(),
      tokens_in: z.number().int(),
      tokens_out: z.number().int(),
      cost_usd: z.number(),
      duration_ms: z.number().int(),
    })
    .nullable()
    .describe("Baton: a model's grade of the final output against the recipe's description, outputs and criteria, apart from the five; null without a judge"),
});

const SEVERITY = z.enum(['high', 'medium', 'low']);

export const LearningPattern = z.object({
  type: z.enum(['failure', 'step_failure', 'slow_step', 'empty_output', 'retry_needed', 'missing_input']),
  severity: SEVERITY,
  description: z.string(),
  step_index: z.number().int().optional(),
  step_id: z.string().optional(),
  agent_id: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
  duration_ms: z.number().int().optional(),
  retries: z.number().int().optional(),
  input: z.string().optional(),
});

export const LearningSuggestion = z.object({
  type: z.enum(['prompt_rewrite', 'model_upgrade', 'tool_addition']),
  priority: SEVERITY,
  description: z.string(),
  pattern: LearningPattern.shape.type.describe('The pattern that led to it'),
  step_index: z.number().int().optional(),
  step_id: z.string().optional(),
  agent_id: z.string().nullable().optional(),
  occurrences: z.number().int().optional().describe('In GET …/suggestions: how many kept analyses made it'),
  last_seen_at: timestamp.optional().describe('In GET …/suggestions: when it was last made'),
});

export const PerformanceMetrics = z.object({
  total_duration_ms: z.number().int(),
  step_durations: z.array(z.object({ step_index: z.number().int(), duration_ms: z.number().int().nullable(), status: z.string() })),
  success_rate: score().describe('Completed steps / steps that ran'),
  total_retries: z.number().int(),
  error_count: z.number().int(),
  total_steps: z.number().int(),
  successful_steps: z.number().int(),
});

export const LearningResult = z.object({
  execution_id: z.string(),
  analyzed_at: timestamp,
  patterns: z.array(LearningPattern),
  suggestions: z.array(LearningSuggestion),
  performance_metrics: PerformanceMetrics,
});

export const RecipeSuggestions = z.object({
  recipe_id: z.string().describe("The recipe's template_id"),
  quality_score: score().nullable(),
  suggestions: z.array(LearningSuggestion).describe('The suggestions of the last 50 analyses, one per kind and step, most urgent and frequent first'),
  patterns: z.array(LearningPattern).describe('The latest analysis\'s'),
  performance_metrics: PerformanceMetrics.nullable().describe('The latest analysis\'s'),
  last_analyzed_at: timestamp.nullable(),
  analysis_count: z.number().int(),
});
