import { builder } from '../builder.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { assessExecution, learnFromExecution } from '../library/recipe-quality.ts';
import type { Judged } from '../library/recipe-judge.ts';
import { aggregateSuggestions, type LearningData, type StoredAnalysis } from '../recipes/learning.ts';
import type { Breakdown } from '../recipes/quality.ts';

// Quality assessment and learning of recipes (spec recipes-api.md §4, §5). Patterns, suggestions,
// bottlenecks and metrics are the recipe API's JSON (snake_case), as its clients read them.

const QualityBreakdown = builder.objectRef<Breakdown>('QualityBreakdown').implement({
  description: 'The five documented dimensions of an assessment, each in [0, 1].',
  fields: (t) => ({
    completeness: t.exposeFloat('completeness'),
    accuracy: t.exposeFloat('accuracy'),
    efficiency: t.exposeFloat('efficiency'),
    reliability: t.exposeFloat('reliability'),
    cost: t.exposeFloat('cost'),
  }),
});

const JudgedScore = builder.objectRef<Judged>('JudgedScore').implement({
  description: "A model's grade of the final output against the recipe's description, outputs and criteria: a sixth figure, never part of qualityScore.",
  fields: (t) => ({
    score: t.float({ nullable: true, description: 'In [0, 1]; null when judging failed (see `error`).', resolve: (judged) => judged.score }),
    reasons: t.stringList({ resolve: (judged) => judged.reasons }),
    error: t.string({ nullable: true, description: 'Why there is no score: no output yet, an unknown agent, a model error, an answer that was no verdict.', resolve: (judged) => judged.error }),
    agentId: t.id({ description: 'The stored agent that judged.', resolve: (judged) => judged.agent_id }),
    model: t.string({ nullable: true, resolve: (judged) => judged.model }),
    criteria: t.string({ resolve: (judged) => judged.criteria }),
    tokensIn: t.int({ resolve: (judged) => judged.tokens_in }),
    tokensOut: t.int({ resolve: (judged) => judged.tokens_out }),
    costUsd: t.float({ description: 'Estimated from the price table, as for steps.', resolve: (judged) => judged.cost_usd }),
    durationMs: t.int({ resolve: (judged) => judged.duration_ms }),
  }),
});

const JudgeInput = builder.inputType('JudgeInput', {
  description: "Which stored agent grades the final output, and by what criteria (besides the recipe's description and outputs).",
  fields: (t) => ({ agentId: t.id({ required: true }), criteria: t.string({ description: 'At most 4,000 characters.' }) }),
});

builder.prismaObject('ExecutionAssessment', {
  description: "A quality assessment of a recipe's execution, kept with it.",
  fields: (t) => ({
    id: t.exposeID('id'),
    executionId: t.exposeID('executionId'),
    recipeId: t.exposeID('recipeId'),
    status: t.exposeString('status', { description: "The execution's status (the recipe API's) when it was assessed." }),
    qualityScore: t.exposeFloat('qualityScore', { description: 'The mean of the five dimensions.' }),
    breakdown: t.field({ type: QualityBreakdown, resolve: (row) => row.breakdown as unknown as Breakdown }),
    grade: t.exposeString('grade', { description: 'A ≥ 0.9, B ≥ 0.75, C ≥ 0.6, D ≥ 0.4, else F.' }),
    bottlenecks: t.expose('bottlenecks', { type: 'JSON', description: '`[{type: slow_step | failed_step | high_retry_step, step_index, step_id, agent_id, description, …}]`' }),
    appliedToRecipe: t.exposeBoolean('appliedToRecipe', {
      description: "Whether it entered the recipe's quality score: only the first assessment of a finished execution does.",
    }),
    recipeScore: t.exposeFloat('recipeScore', { nullable: true, description: "The recipe's quality score after this assessment." }),
    judged: t.field({ type: JudgedScore, nullable: true, description: 'The judged figure, when a judge was asked (argument or execution_config.judge).', resolve: (row) => row.judged as unknown as Judged | null }),
    assessedAt: t.expose('assessedAt', { type: 'DateTime' }),
  }),
});

const RecipeLearning = builder.objectRef<StoredAnalysis>('RecipeLearning').implement({
  description: 'What learning found in one execution: patterns, the suggestions they lead to, performance metrics.',
  fields: (t) => ({
    executionId: t.id({ resolve: (analysis) => analysis.execution_id }),
    analyzedAt: t.field({ type: 'DateTime', resolve: (analysis) => analysis.analyzed_at }),
    patterns: t.field({ type: 'JSON', resolve: (analysis) => analysis.patterns }),
    suggestions: t.field({ type: 'JSON', resolve: (analysis) => analysis.suggestions }),
    performanceMetrics: t.field({ type: 'JSON', resolve: (analysis) => analysis.performance_metrics }),
  }),
});

builder.prismaObjectField('Execution', 'assessments', (t) =>
  t.relation('assessments', { description: "Quality assessments of this recipe's execution, oldest first.", query: { orderBy: [{ assessedAt: 'asc' }, { id: 'asc' }] } }),
);

builder.prismaObjectFields('Recipe', (t) => ({
  qualityHistory: t.prismaField({
    type: ['ExecutionAssessment'],
    description: "The recipe's assessments, newest first (at most `limit`, 1–100).",
    args: { limit: t.arg.int({ defaultValue: 50 }) },
    resolve: (query, recipe, { limit }, ctx) => {
      const take = limit ?? 50;
      if (!Number.isInteger(take) || take < 1 || take > 100) throw new ValidationError('Bad request', `qualityHistory(limit:) must be from 1 to 100, got ${take}`).toGraphQL();
      return ctx.db.executionAssessment.findMany({ ...query, where: { recipeId: recipe.id, execution: { tenantId: ctx.tenant.id } }, orderBy: [{ assessedAt: 'desc' }, { id: 'desc' }], take });
    },
  }),
  suggestions: t.field({
    type: 'JSON',
    description: 'The suggestions of the kept analyses, one per kind and step, with `occurrences` and `last_seen_at`, most urgent and frequent first.',
    select: { learningData: true },
    resolve: (recipe) => aggregateSuggestions(recipe.learningData as LearningData | null),
  }),
}));

const ARGS_DOC = {
  recipe: "The recipe's id (rcp_…) or its template_id.",
  execution: "One of this recipe's executions (another recipe's or tenant's is not found).",
};

builder.mutationFields((t) => ({
  assessExecution: t.prismaField({
    type: 'ExecutionAssessment',
    description:
      "Assesses a recipe's execution (five dimensions, mean, grade, bottlenecks) and stores it with the execution. The first assessment of a finished execution enters the recipe's qualityScore (0.3 × new + 0.7 × old); a running execution is assessed as running and enters nothing. With a judge, a model also grades the final output (`judged`, a sixth figure apart from the five). `learnings`: a learn answer or patterns (with severity) for the reliability dimension; by default the latest analysis of the execution.",
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      recipeId: t.arg.id({ required: true, description: ARGS_DOC.recipe }),
      executionId: t.arg.id({ required: true, description: ARGS_DOC.execution }),
      learnings: t.arg({ type: 'JSON' }),
      judge: t.arg({ type: JudgeInput, description: "Grade the final output with this agent too (default: the recipe's execution_config.judge, if any)." }),
    },
    resolve: (_query, _root, { recipeId, executionId, learnings, judge }, ctx) =>
      assessExecution(ctx, ctx.tenant.id, String(recipeId), String(executionId), learnings ?? undefined, judge ? { agentId: String(judge.agentId), criteria: judge.criteria ?? '' } : null),
  }),
  learnFromExecution: t.field({
    type: RecipeLearning,
    description: "Analyses a recipe's execution (failures, slow steps, empty outputs, retries, missing inputs), suggests improvements, and appends the analysis to the recipe's learningData (the last 50 kept).",
    errors: { types: [NotFoundError] },
    args: { recipeId: t.arg.id({ required: true, description: ARGS_DOC.recipe }), executionId: t.arg.id({ required: true, description: ARGS_DOC.execution }) },
    resolve: async (_root, args, ctx) => (await learnFromExecution(ctx.db, ctx.tenant.id, String(args.recipeId), String(args.executionId)))!,
  }),
}));
