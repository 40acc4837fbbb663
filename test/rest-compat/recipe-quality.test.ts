import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { until } from '../support/until.ts';

const fake = new FakeAnthropic();
let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let agent: string;
/** Holds the model's answers while set: a test looks at a running execution. */
let hold: Promise<unknown> | undefined;

beforeAll(async () => {
  await fake.start();
  // A prompt saying FAIL fails its step (a 400 is not retried by the SDK).
  fake.reply = (request) =>
    lastUserText(request).includes('FAIL')
      ? { error: { status: 400, type: 'invalid_request_error', message: 'the model refused' } }
      : { text: `Answer: ${lastUserText(request).slice(0, 30)}`, usage: { input: 100, output: 50 }, ...(hold ? { after: hold } : {}) };
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  watch = await watchExecutions(t);
  agent = (await rest(t, 'POST', '/api/agents', { name: 'Analyst', description: 'Analyses.', model: 'sonnet' })).body.id;
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
  await fake.close();
});

const BASE = '/api/workflow-recipes';

function recipe(templateId: string, extra: Record<string, unknown> = {}) {
  return {
    template_id: templateId,
    name: `Recipe ${templateId}`,
    inputs: { topic: { type: 'string', required: true } },
    steps: [
      { step_id: 'research', order: 1, agent_id: agent, prompt_template: 'Research {input.topic}.', error_handling: 'continue' },
      { step_id: 'write', order: 2, agent_id: agent, prompt_template: 'Write about {input.topic} from: {previous_output}' },
    ],
    ...extra,
  };
}

async function execute(templateId: string, topic: string, headers?: Record<string, string>) {
  const started = await rest(t, 'POST', `${BASE}/${templateId}/execute`, { input_data: { topic } }, headers);
  expect(started.status).toBe(202);
  return started.body.recipe_execution_id as string;
}

async function executeToEnd(templateId: string, topic: string) {
  const id = await execute(templateId, topic);
  await watch.until(id, ['completed', 'failed', 'stopped']);
  return id;
}

const recipeOf = async (templateId: string) => (await rest(t, 'GET', `${BASE}/${templateId}`)).body;

const History = graphql(`
  query TestQualityHistory($templateId: String!, $executionId: ID!) {
    recipe(templateId: $templateId) {
      qualityScore
      qualityHistory {
        executionId
        qualityScore
        grade
        appliedToRecipe
        recipeScore
        breakdown {
          completeness
          cost
        }
      }
    }
    execution(id: $executionId) {
      assessments {
        status
        qualityScore
        appliedToRecipe
      }
    }
  }
`);

describe('POST /api/workflow-recipes/{id}/assess-quality', () => {
  it('scores a finished execution (five dimensions, mean, grade), stores it with the execution, and enters the recipe score once', async () => {
    await rest(t, 'POST', BASE, recipe('clean', { execution_config: { auto_learning: false } }));
    const id = await executeToEnd('clean', 'tides');
    const assessed = await rest(t, 'POST', `${BASE}/clean/assess-quality`, { execution_id: id });
    expect(assessed.status).toBe(200);
    const { breakdown, quality_score, grade } = assessed.body;
    expect(assessed.body).toMatchObject({ execution_id: id, bottlenecks: [] });
    expect(breakdown).toMatchObject({ completeness: 1, accuracy: 1, reliability: 1 });
    // 300 tokens of 100,000: the cost's token part is just under its 0.2.
    expect(breakdown.cost).toBeCloseTo(0.8 + 0.2 * (1 - 300 / 100_000), 4);
    const values = Object.values(breakdown) as number[];
    expect(quality_score).toBeCloseTo(values.reduce((a, b) => a + b) / 5, 4);
    expect(grade).toBe('A');
    expect((await recipeOf('clean')).quality_score).toBe(quality_score);

    // Assessed again (and with learnings that weigh): stored and listed, but the recipe's score does not move.
    const again = await rest(t, 'POST', `${BASE}/clean/assess-quality`, { execution_id: id, learnings: { patterns: [{ type: 'failure', severity: 'high' }] } });
    expect(again.body.breakdown.reliability).toBeCloseTo(0.91, 4);
    expect((await recipeOf('clean')).quality_score).toBe(quality_score);

    // A second execution enters with 0.3 × new + 0.7 × old.
    const second = await executeToEnd('clean', 'FAIL tides');
    const next = await rest(t, 'POST', `${BASE}/clean/assess-quality`, { execution_id: second });
    expect(next.body.bottlenecks).toEqual([
      expect.objectContaining({ type: 'failed_step', step_index: 0, step_id: 'research', agent_id: agent }),
      expect.objectContaining({ type: 'failed_step', step_index: 1, step_id: 'write', agent_id: agent }),
    ]);
    expect((await recipeOf('clean')).quality_score).toBeCloseTo(0.3 * next.body.quality_score + 0.7 * quality_score, 4);

    const { body } = await t.request(History, { templateId: 'clean', executionId: id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.execution!.assessments.map((a) => [a.status, a.appliedToRecipe])).toEqual([['completed', true], ['completed', false]]);
    expect(body.data!.recipe!.qualityHistory.map((a) => [a.executionId, a.appliedToRecipe])).toEqual([[second, true], [id, false], [id, true]]);
    expect(body.data!.recipe!.qualityHistory[0].recipeScore).toBe(body.data!.recipe!.qualityScore);
  });

  it('assesses a running execution as running, and never enters it into the recipe score until it finished, then once', async () => {
    await rest(t, 'POST', BASE, recipe('slow', { execution_config: { auto_learning: false } }));
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const id = await execute('slow', 'tides');
    await until(async () => (await rest(t, 'GET', `${BASE}/slow/executions/${id}`)).body.status === 'running', { what: 'a step running' });
    const running = await rest(t, 'POST', `${BASE}/slow/assess-quality`, { execution_id: id });
    expect(running.status).toBe(200);
    // Nothing completed yet; running counts 0.3 of the status part.
    expect(running.body.breakdown.completeness).toBeCloseTo(0.06, 4);
    expect((await recipeOf('slow')).quality_score).toBeNull();
    hold = undefined;
    release();
    await watch.until(id, ['completed']);
    const done = await rest(t, 'POST', `${BASE}/slow/assess-quality`, { execution_id: id });
    expect((await recipeOf('slow')).quality_score).toBe(done.body.quality_score);
    const { body } = await t.request(History, { templateId: 'slow', executionId: id });
    expect(body.data!.execution!.assessments.map((a) => [a.status, a.appliedToRecipe])).toEqual([['running', false], ['completed', true]]);
  });

  it('answers 400 without execution_id, 404 for another recipe\'s, another tenant\'s or an unknown execution', async () => {
    await rest(t, 'POST', BASE, recipe('a', { execution_config: { auto_learning: false } }));
    await rest(t, 'POST', BASE, recipe('b', { execution_config: { auto_learning: false } }));
    const ofA = await executeToEnd('a', 'x');
    const missing = await rest(t, 'POST', `${BASE}/a/assess-quality`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain('execution_id');
    expect((await rest(t, 'POST', `${BASE}/a/assess-quality`, { execution_id: 42 })).status).toBe(400);
    const other = await rest(t, 'POST', `${BASE}/b/assess-quality`, { execution_id: ofA });
    expect(other.status).toBe(404);
    expect(other.body.detail).toContain(ofA);
    expect((await rest(t, 'POST', `${BASE}/a/assess-quality`, { execution_id: 'exec_nope' })).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/nope/assess-quality`, { execution_id: ofA })).status).toBe(404);
    const bad = await rest(t, 'POST', `${BASE}/a/assess-quality`, { execution_id: ofA, learnings: 'lots' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('learnings');

    const stranger = await createTenant(t.app.database.db, 'stranger');
    const theirAgent = (await rest(t, 'POST', '/api/agents', { name: 'Theirs', description: 'Theirs.', model: 'offline' }, credentialsOf(stranger))).body.id;
    await rest(t, 'POST', BASE, { template_id: 'a', name: 'Theirs', steps: [{ step_id: 's', order: 1, agent_id: theirAgent, prompt_template: 'Go.' }] }, credentialsOf(stranger));
    expect((await rest(t, 'POST', `${BASE}/a/assess-quality`, { execution_id: ofA }, credentialsOf(stranger))).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/a/learn`, { execution_id: ofA }, credentialsOf(stranger))).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/b/learn`, { execution_id: ofA })).status).toBe(404);
    expect((await rest(t, 'POST', `${BASE}/a/learn`, {})).status).toBe(400);
    expect((await rest(t, 'GET', `${BASE}/nope/suggestions`)).status).toBe(404);
  });
});

describe('learning and suggestions', () => {
  it('learns from each execution, keeps every analysis, and suggests what follows the failures', async () => {
    await rest(t, 'POST', BASE, recipe('learner', { execution_config: { auto_learning: false } }));
    const empty = await rest(t, 'GET', `${BASE}/learner/suggestions`);
    expect(empty.body).toEqual({ recipe_id: 'learner', quality_score: null, suggestions: [], patterns: [], performance_metrics: null, last_analyzed_at: null, analysis_count: 0 });

    const failed = await executeToEnd('learner', 'FAIL storms');
    const learned = await rest(t, 'POST', `${BASE}/learner/learn`, { execution_id: failed });
    expect(learned.status).toBe(200);
    expect(learned.body.patterns.map((p: { type: string; step_id?: string }) => [p.type, p.step_id])).toEqual([
      ['failure', undefined],
      ['step_failure', 'research'],
      ['step_failure', 'write'],
    ]);
    expect(learned.body.performance_metrics).toMatchObject({ total_steps: 2, successful_steps: 0, success_rate: 0, error_count: 3 });
    expect(learned.body.suggestions[1]).toMatchObject({ type: 'prompt_rewrite', priority: 'high', step_id: 'research' });
    expect(learned.body.suggestions[1].description).toContain('the model refused');

    const ok = await executeToEnd('learner', 'calm');
    const clean = await rest(t, 'POST', `${BASE}/learner/learn`, { execution_id: ok });
    expect(clean.body.patterns).toEqual([]);

    const suggestions = await rest(t, 'GET', `${BASE}/learner/suggestions`);
    expect(suggestions.body).toMatchObject({ recipe_id: 'learner', patterns: [], analysis_count: 2, last_analyzed_at: clean.body.analyzed_at });
    expect(suggestions.body.suggestions.map((s: { type: string; step_id?: string; occurrences: number }) => [s.type, s.step_id, s.occurrences])).toEqual([
      ['prompt_rewrite', undefined, 1],
      ['prompt_rewrite', 'research', 1],
      ['prompt_rewrite', 'write', 1],
      ['model_upgrade', 'research', 1],
      ['model_upgrade', 'write', 1],
    ]);
    const data = (await recipeOf('learner')).learning_data;
    expect(data.analyses.map((a: { execution_id: string }) => a.execution_id)).toEqual([failed, ok]);
  });

  it('learns automatically once after each finished execution and keeps success_rate current', async () => {
    await rest(t, 'POST', BASE, recipe('auto'));
    const first = await executeToEnd('auto', 'calm');
    const second = await executeToEnd('auto', 'FAIL again');
    const data = await until(async () => {
      const body = await recipeOf('auto');
      return body.learning_data?.analysis_count === 2 && body.success_rate === 0.5 && body;
    }, { what: 'two automatic analyses' });
    expect(data.learning_data.analyses.map((a: { execution_id: string }) => a.execution_id).sort()).toEqual([first, second].sort());
    const db = t.app.database.db;
    expect(await db.recipeAnalysis.count({ where: { executionId: { in: [first, second] }, source: 'auto' } })).toBe(2);

    // Not run twice: the job again does nothing new but recompute the rate.
    const { recipeExecutionFinished } = await import('../../src/library/recipe-quality.ts');
    await recipeExecutionFinished(db, first);
    expect((await recipeOf('auto')).learning_data.analysis_count).toBe(2);
  });

  it('keeps success_rate current without learning when auto_learning is off', async () => {
    await rest(t, 'POST', BASE, recipe('manual', { execution_config: { auto_learn: false } }));
    await executeToEnd('manual', 'calm');
    await until(async () => (await recipeOf('manual')).success_rate === 1, { what: 'success rate' });
    expect((await recipeOf('manual')).learning_data).toBeNull();
  });
});
