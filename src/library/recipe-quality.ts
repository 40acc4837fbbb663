import { ValidationError } from '../errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { JudgeConfig } from '../recipes/judge.ts';
import { analyze, withAnalysis, type Pattern, type StoredAnalysis } from '../recipes/learning.ts';
import { assess, emaOf, type PatternSeverity } from '../recipes/quality.ts';
import type { Db, Tx } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { byRef, findRecipe, recipeNotFound } from './recipes.ts';
import { judgeOf, judgeOutput, type JudgeDeps } from './recipe-judge.ts';
import { executionOfRecipe, isFinished, runOf, successRateOf } from './recipe-runs.ts';

const json = (value: unknown) => value as Prisma.InputJsonValue;

/** The recipe, locked for the change: assessments and analyses of one recipe apply one after the other. */
async function lockedRecipe(tx: Tx, tenantId: string, ref: string) {
  const recipe = await findRecipe(tx, tenantId, ref);
  await tx.$queryRaw`SELECT id FROM recipes WHERE id = ${recipe.id} FOR UPDATE`;
  return tx.recipe.findUniqueOrThrow({ where: { id: recipe.id } });
}

const SEVERITIES = ['high', 'medium', 'low'];

/** `learnings` as a client sends it: a learn answer (`{patterns}`) or a list of patterns, each with a severity. */
function patternsGiven(learnings: unknown): PatternSeverity[] | undefined {
  if (learnings === undefined || learnings === null) return undefined;
  const list = Array.isArray(learnings) ? learnings : (learnings as { patterns?: unknown }).patterns;
  const bad = () => new ValidationError('Invalid learnings', '`learnings` must be a learn answer ({patterns: [...]}) or a list of patterns, each with `severity` high, medium or low');
  if (!Array.isArray(list)) throw bad();
  for (const pattern of list) if (!pattern || typeof pattern !== 'object' || !SEVERITIES.includes((pattern as { severity?: unknown }).severity as string)) throw bad();
  return list as PatternSeverity[];
}

/**
 * Assesses an execution of the recipe and stores the assessment with it. The first assessment of a
 * finished execution enters the recipe's quality score (0.3 × new + 0.7 × old); later ones, and
 * those of an execution still running, are stored and listed but never enter it again. With a judge
 * (the argument, or the recipe's `execution_config.judge`), a model's grade of the final output is
 * stored beside the five as `judged`.
 */
export async function assessExecution(deps: JudgeDeps, tenantId: string, ref: string, executionId: string, learnings?: unknown, judgeGiven?: JudgeConfig | null) {
  const { db } = deps;
  const given = patternsGiven(learnings);
  // The judge's model call runs before the transaction, which it must not hold open.
  const recipe = await findRecipe(db, tenantId, ref);
  const judge = judgeOf(judgeGiven, recipe.executionConfig);
  const judged = judge ? await judgeOutput(deps, tenantId, recipe, await executionOfRecipe(db, tenantId, recipe, executionId), judge) : null;
  return db.$transaction(async (tx) => {
    const recipe = await lockedRecipe(tx, tenantId, ref);
    const execution = await executionOfRecipe(tx, tenantId, recipe, executionId);
    const run = runOf(execution, recipe);
    // Without learnings given, the latest analysis of this execution weighs in, if there is one.
    const latest = given ? null : await tx.recipeAnalysis.findFirst({ where: { executionId }, orderBy: { analyzedAt: 'desc' } });
    const patterns = given ?? ((latest?.analysis as { patterns?: Pattern[] } | undefined)?.patterns ?? []);
    const result = assess(run, patterns);
    const applied = isFinished(execution.status) && (await tx.executionAssessment.count({ where: { executionId, appliedToRecipe: true } })) === 0;
    const recipeScore = applied ? emaOf(recipe.qualityScore, result.quality_score) : recipe.qualityScore;
    if (applied) await tx.recipe.update({ where: { id: recipe.id }, data: { qualityScore: recipeScore } });
    return tx.executionAssessment.create({
      data: {
        id: newId('qa'),
        executionId,
        recipeId: recipe.id,
        status: run.status,
        qualityScore: result.quality_score,
        breakdown: json(result.breakdown),
        grade: result.grade,
        bottlenecks: json(result.bottlenecks),
        appliedToRecipe: applied,
        recipeScore,
        judged: judged ? json(judged) : Prisma.DbNull,
      },
    });
  });
}

/**
 * Learns from an execution of the recipe: the analysis is stored with the execution and appended to
 * the recipe's learning_data (the last 50 kept). An automatic one happens once per execution: null
 * when it already did.
 */
export async function learnFromExecution(db: Db, tenantId: string, ref: string, executionId: string, source: 'manual' | 'auto' = 'manual'): Promise<StoredAnalysis | null> {
  return db.$transaction(async (tx) => {
    const found = await tx.recipe.findFirst({ where: byRef(tenantId, ref), select: { id: true } });
    if (!found) throw recipeNotFound(ref);
    await tx.$queryRaw`SELECT id FROM recipes WHERE id = ${found.id} FOR UPDATE`;
    return learnLocked(tx, tenantId, found.id, executionId, source);
  });
}

/**
 * What learning reads of the recipe: not its whole row, whose plan, steps and learning data (up to
 * 50 analyses, tens of KB of JSON) Prisma would parse each time, on the event loop the engine's
 * steps run on.
 */
const LEARNING_FIELDS = { id: true, templateId: true, inputs: true, outputs: true, learningData: true } as const;

/** `learnFromExecution` in a transaction that holds the recipe's row locked (FOR UPDATE). */
async function learnLocked(tx: Tx, tenantId: string, recipeId: string, executionId: string, source: 'manual' | 'auto'): Promise<StoredAnalysis | null> {
  const recipe = await tx.recipe.findUniqueOrThrow({ where: { id: recipeId }, select: LEARNING_FIELDS });
  const execution = await executionOfRecipe(tx, tenantId, recipe, executionId);
  const analysis = analyze(runOf(execution, recipe));
  const analyzedAt = new Date();
  const id = newId('lrn');
  // The partial unique index makes a second automatic analysis of one execution a no-op.
  const inserted = await tx.$executeRaw`
    INSERT INTO recipe_analyses (id, execution_id, recipe_id, source, analysis, analyzed_at)
    VALUES (${id}, ${executionId}, ${recipe.id}, ${source}, ${JSON.stringify(analysis)}::jsonb, ${analyzedAt})
    ON CONFLICT DO NOTHING`;
  if (inserted === 0) return null;
  const stored: StoredAnalysis = { execution_id: executionId, analyzed_at: analyzedAt.toISOString(), ...analysis };
  // As one JSON text: Prisma walks a Json argument value by value, and would send the row back.
  await tx.$executeRaw`UPDATE recipes SET learning_data = ${JSON.stringify(withAnalysis(recipe.learningData, stored))}::jsonb WHERE id = ${recipe.id}`;
  return stored;
}

const autoLearning = (config: unknown) => {
  const c = (config && typeof config === 'object' ? config : {}) as { auto_learning?: unknown; auto_learn?: unknown };
  // On by default (spec §2), and the defaults fill in auto_learning: either spelling set false turns it off.
  return c.auto_learning !== false && c.auto_learn !== false;
};

/**
 * The job enqueued in the transaction that finishes a recipe's execution: the recipe's success
 * rate from its finished executions, and, when the execution's `execution_config` says
 * `auto_learning` (or `auto_learn`), an analysis, once; both in one transaction under one lock of
 * the recipe. Safe to run again. It runs in the worker process beside the engine's steps, after
 * every recipe execution, so it reads and writes only what it needs.
 */
export async function recipeExecutionFinished(db: Db, executionId: string): Promise<void> {
  const execution = await db.execution.findUnique({ where: { id: executionId }, select: { tenantId: true, recipeId: true, metadata: true, status: true } });
  if (!execution?.recipeId || !isFinished(execution.status)) return;
  const recipe = await db.recipe.findFirst({ where: { id: execution.recipeId, tenantId: execution.tenantId }, select: { id: true } });
  // The recipe was deleted since: its executions stay readable, there is nothing to learn into.
  if (!recipe) return;
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM recipes WHERE id = ${recipe.id} FOR UPDATE`;
    await tx.recipe.update({ where: { id: recipe.id }, data: { successRate: await successRateOf(tx, execution.tenantId, recipe.id) }, select: { id: true } });
    if (autoLearning((execution.metadata as { execution_config?: unknown }).execution_config)) await learnLocked(tx, execution.tenantId, recipe.id, executionId, 'auto');
  });
}
