import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText, type LoggedRequest } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';

// The judged dimension: a model grades the final output, reported apart from the documented five.

const fake = new FakeAnthropic();
let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let writer: string;
let judge: string;
let offlineJudge: string;
/** What the judge answers next. */
let verdict = '{"score": 0.42, "reasons": ["Misses the conclusion", "Clear wording"]}';
const judged: LoggedRequest[] = [];
const BASE = '/api/workflow-recipes';

const History = graphql(`
  query TestJudgedHistory($id: ID!) {
    execution(id: $id) {
      assessments {
        qualityScore
        judged {
          score
          reasons
          agentId
          tokensIn
          costUsd
        }
      }
    }
  }
`);

beforeAll(async () => {
  await fake.start();
  fake.reply = (request) => {
    if (!request.body.system?.includes('You grade the final output')) return { text: `Digest of ${lastUserText(request).slice(0, 30)}`, usage: { input: 100, output: 50 } };
    judged.push(request);
    return { text: verdict, usage: { input: 1000, output: 40 } };
  };
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  watch = await watchExecutions(t);
  writer = (await rest(t, 'POST', '/api/agents', { name: 'Writer', description: 'Writes.', model: 'sonnet' })).body.id;
  judge = (await rest(t, 'POST', '/api/agents', { name: 'Critic', description: 'Grades.', model: 'haiku', system_prompt: 'You are strict.' })).body.id;
  offlineJudge = (await rest(t, 'POST', '/api/agents', { name: 'Offline critic', description: 'Grades offline.', model: 'offline' })).body.id;
  const created = await rest(t, 'POST', BASE, {
    template_id: 'digest',
    name: 'Digest',
    description: 'A weekly digest with a conclusion',
    outputs: { summary: { type: 'string' } },
    execution_config: { judge: { agent_id: judge, criteria: 'Ends with a conclusion' } },
    steps: [{ step_id: 'write', order: 1, agent_id: writer, prompt_template: 'Write the digest.' }],
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
  await fake.close();
});

async function finishedRun() {
  const started = await rest(t, 'POST', `${BASE}/digest/execute`, {});
  await watch.until(started.body.recipe_execution_id, ['completed', 'failed']);
  return started.body.recipe_execution_id as string;
}

const assess = (body: Record<string, unknown>) => rest(t, 'POST', `${BASE}/digest/assess-quality`, body);

describe('the judged figure', () => {
  it("grades the final output with the recipe's judge: prompt, score, reasons, tokens and cost, apart from the five", async () => {
    const id = await finishedRun();
    const before = judged.length;
    const answer = await assess({ execution_id: id });
    expect(answer.status).toBe(200);
    expect(judged.length).toBe(before + 1);
    const request = judged.at(-1)!;
    expect(request.body.model).toMatch(/^claude-haiku/);
    expect(request.body.system).toMatch(/^You are strict\.\n\nYou grade the final output/);
    expect(lastUserText(request)).toContain('Purpose: A weekly digest with a conclusion');
    expect(lastUserText(request)).toContain('Criteria: Ends with a conclusion');
    expect(lastUserText(request)).toContain('Digest of Write the digest.');
    expect(answer.body.judged).toMatchObject({ score: 0.42, reasons: ['Misses the conclusion', 'Clear wording'], error: null, agent_id: judge, tokens_in: 1000, tokens_out: 40 });
    // Haiku's price: $1 in, $5 out per million tokens.
    expect(answer.body.judged.cost_usd).toBeCloseTo((1000 * 1 + 40 * 5) / 1_000_000, 9);
    const { completeness, accuracy, efficiency, reliability, cost } = answer.body.breakdown;
    expect(answer.body.quality_score).toBeCloseTo((completeness + accuracy + efficiency + reliability + cost) / 5, 3);
  });

  it('takes a judge given with the request over the configured one, and the offline model judges deterministically', async () => {
    const id = await finishedRun();
    const first = await assess({ execution_id: id, judge: { agent_id: offlineJudge } });
    const second = await assess({ execution_id: id, judge: { agent_id: offlineJudge } });
    expect(first.body.judged).toMatchObject({ score: 1, error: null, model: 'offline', agent_id: offlineJudge, criteria: '', cost_usd: 0 });
    expect(second.body.judged.reasons).toEqual(first.body.judged.reasons);
    expect(first.body.judged.reasons.length).toBeGreaterThan(0);
  });

  it('records why there is no score, and still assesses the five: an answer that is no verdict, an unknown agent', async () => {
    const id = await finishedRun();
    verdict = 'It is quite good, 8/10.';
    const noVerdict = await assess({ execution_id: id });
    verdict = '{"score": 0.42, "reasons": []}';
    expect(noVerdict.status).toBe(200);
    expect(noVerdict.body.judged).toMatchObject({ score: null, error: expect.stringMatching(/did not answer with a JSON object/), tokens_in: 1000 });
    expect(noVerdict.body.grade).toMatch(/^[A-F]$/);
    const unknown = await assess({ execution_id: id, judge: { agent_id: 'agent_nobody' } });
    expect(unknown.status).toBe(200);
    expect(unknown.body.judged).toMatchObject({ score: null, error: 'No agent with ID agent_nobody exists in this workspace to judge', tokens_in: 0 });
  });

  it('keeps the judged figure with the assessment (GraphQL history)', async () => {
    const id = await finishedRun();
    await assess({ execution_id: id });
    const { body } = await t.request(History, { id });
    expect(body.data?.execution?.assessments.map((a) => a.judged)).toEqual([{ score: 0.42, reasons: [], agentId: judge, tokensIn: 1000, costUsd: expect.any(Number) }]);
  });

  it('refuses a malformed judge: in execution_config (400 naming it) and in the request', async () => {
    const bad = await rest(t, 'PUT', `${BASE}/digest`, { execution_config: { judge: { agent: judge } } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/execution_config\.judge/);
    const id = await finishedRun();
    expect((await assess({ execution_id: id, judge: { agent_id: judge, criteria: 'x'.repeat(4001) } })).status).toBe(400);
    expect((await assess({ execution_id: id, judge: {} })).status).toBe(400);
  });
});
