import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';

const fixture = (name: string) => readFileSync(new URL(`../../docs/examples/workflows/${name}`, import.meta.url), 'utf8');

const Create = graphql(`
  mutation EngineCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      __typename
      ... on Workflow { id }
    }
  }
`);

const Run = graphql(`
  mutation EngineRunWorkflow($workflowId: ID!, $inputs: JSON) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs) {
      __typename
      ... on Execution { id status stepsTotal }
      ... on Error { code message detail }
    }
  }
`);

const Get = graphql(`
  query EngineExecution($id: ID!) {
    execution(id: $id) {
      id
      status
      error
      output
      version
      stepsCompleted
      stepsTotal
      steps { stepId itemIndex status attempts output outputJson prompt tokens { input output } turns model costUsd }
      events { seq type payload }
      versions { version output prompt parentVersion }
      first: outputVersion(number: 1) { version output }
      missing: outputVersion(number: 2) { version }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

async function workflow(markdown: string): Promise<string> {
  const result = (await t.request(Create, { markdown })).body.data!.createWorkflow;
  if (result.__typename !== 'Workflow') throw new Error(JSON.stringify(result));
  return result.id;
}

async function runToEnd(markdown: string, inputs: Record<string, unknown>, statuses = ['completed', 'failed']) {
  const watch = await watchExecutions(t);
  const run = (await t.request(Run, { workflowId: await workflow(markdown), inputs })).body.data!.runWorkflow;
  if (run.__typename !== 'Execution') throw new Error(JSON.stringify(run));
  // The mutation returns the execution as it is when read back: the offline model answers at once,
  // so a short run may have finished by then.
  await watch.until(run.id, statuses);
  await watch.stop();
  return (await t.request(Get, { id: run.id })).body.data!.execution!;
}

describe('executions with the offline model', () => {
  it('runs parallel steps and a final step to completion, writing version 1 of the output', async () => {
    const execution = await runToEnd(fixture('parallel-perspectives.md'), { decision: 'Open an office in Lisbon' });
    expect(execution).toMatchObject({ status: 'COMPLETED', error: null, version: 1, stepsCompleted: 4, stepsTotal: 4 });
    expect(execution.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
      ['upside', 'COMPLETED', 1],
      ['risks', 'COMPLETED', 1],
      ['numbers', 'COMPLETED', 1],
      ['verdict', 'COMPLETED', 1],
    ]);
    const verdict = execution.steps.find((s) => s.stepId === 'verdict')!;
    expect(verdict.prompt).toContain(`Upside: ${execution.steps[0].output}`);
    expect(verdict.output).toContain('offline model');
    expect(execution.output).toBe(verdict.output);
    expect(execution.versions).toEqual([{ version: 1, output: verdict.output, prompt: null, parentVersion: null }]);
    expect(execution.first).toEqual({ version: 1, output: verdict.output });
    expect(execution.missing).toBeNull();
    expect(verdict.tokens.input).toBeGreaterThan(0);
    // The agents ask for Claude models, but without a key the offline model answers: it says so, at no cost.
    expect(new Set(execution.steps.map((s) => [s.model, s.costUsd].join(' ')))).toEqual(new Set(['offline 0']));
    const seqs = execution.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(execution.events.at(-1)).toMatchObject({ type: 'execution.completed' });
  });

  it('fans out over a JSON step’s list with For each and joins the items in the output', async () => {
    const execution = await runToEnd(fixture('company-briefs.md'), { industry: 'robotics' });
    expect(execution.status).toBe('COMPLETED');
    const plan = execution.steps.find((s) => s.stepId === 'plan')!;
    expect(plan.outputJson).toEqual({ companies: [expect.objectContaining({ name: expect.any(String), why: expect.any(String) }), expect.anything()] });
    const items = execution.steps.filter((s) => s.stepId === 'brief' && s.itemIndex !== null);
    expect(items.map((s) => [s.itemIndex, s.status])).toEqual([
      [0, 'COMPLETED'],
      [1, 'COMPLETED'],
    ]);
    const companies = (plan.outputJson as { companies: { name: string }[] }).companies;
    expect(items[1].prompt).toContain(`brief on ${companies[1].name}`);
    expect(items[1].prompt).toContain('company 1 of the list');
    expect(execution.output).toContain('---');
  });

  it('skips a step whose condition is false and waits at an approval checkpoint', async () => {
    const execution = await runToEnd(fixture('market-research.md'), { topic: 'AI', companies: ['Acme'] }, ['awaiting_approval', 'failed']);
    expect(execution.status).toBe('AWAITING_APPROVAL');
    expect(execution.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['research', 'COMPLETED'],
      ['analysis', 'COMPLETED'],
      ['charts', 'SKIPPED'],
      ['review', 'AWAITING_APPROVAL'],
      ['final', 'PENDING'],
    ]);
    expect(execution.steps[1].prompt).toContain(execution.steps[0].output!);
  });

  it('refuses bad inputs naming every problem, and unknown workflows', async () => {
    const id = await workflow(fixture('market-research.md'));
    const bad = (await t.request(Run, { workflowId: id, inputs: { depth: 'extreme', companies: 'Acme' } })).body.data!.runWorkflow;
    expect(bad).toMatchObject({ __typename: 'ValidationError', code: 'BAD_REQUEST', message: 'Invalid inputs' });
    if (bad.__typename !== 'ValidationError') return;
    expect(bad.detail).toContain('missing required input "topic"');
    expect(bad.detail).toContain('input "depth" must be one of');
    expect(bad.detail).toContain('input "companies" must be string[]');
    const missing = (await t.request(Run, { workflowId: 'wf_nope', inputs: {} })).body.data!.runWorkflow;
    expect(missing).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});
