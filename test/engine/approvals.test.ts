import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const research = readFileSync(new URL('../../docs/examples/workflows/market-research.md', import.meta.url), 'utf8');
const revising = `# Reviewed Draft
## Agents
### Writer
Writes drafts.
Model: offline
## Steps
### Draft
Agent: Writer
Write a short draft about {{inputs.topic}}.
### Review
Approval: required
On reject: revise draft
Check the draft: {{steps.draft.output}}
## Inputs
- topic: The topic (string, required)
`;

const Approve = graphql(`
  mutation ApprovalsApprove($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) {
      __typename
      ... on Execution { id status error }
      ... on Error { code message detail }
    }
  }
`);
const Stop = graphql(`
  mutation ApprovalsStop($id: ID!) {
    stopExecution(id: $id) {
      __typename
      ... on Execution { id status }
      ... on Error { code message detail }
    }
  }
`);
const Get = graphql(`
  query ApprovalsExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      steps { stepId status attempts output prompt approval { approved reason at } }
      events { type }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

async function startAwaiting(app: TestApp, markdown: string, inputs: Record<string, unknown>) {
  const workflowId = await createWorkflowId(app, markdown);
  const watch = await watchExecutions(app);
  const id = await startExecutionId(app, workflowId, inputs);
  await watch.until(id, ['awaiting_approval']);
  return { id, watch };
}

describe('approvals', () => {
  it('completes the execution when the checkpoint is approved; the checkpoint’s output is the reason', async () => {
    const { id, watch } = await startAwaiting(t, research, { topic: 'AI', companies: ['Acme'] });
    const approved = (await t.request(Approve, { executionId: id, stepId: 'review', approved: true, reason: 'Looks good, proceed.' })).body.data!.approveStep;
    expect(approved).toMatchObject({ __typename: 'Execution' });
    await watch.until(id, ['completed']);
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.status).toBe('COMPLETED');
    const review = execution.steps.find((s) => s.stepId === 'review')!;
    expect(review).toMatchObject({ status: 'COMPLETED', output: 'Looks good, proceed.', approval: { approved: true, reason: 'Looks good, proceed.' } });
    expect(execution.output).toBe(execution.steps.find((s) => s.stepId === 'final')!.output);
    expect(execution.events.map((e) => e.type)).toContain('step.approved');
  });

  it('fails the execution with the reason when a step is rejected, and refuses a second decision', async () => {
    const { id } = await startAwaiting(t, research, { topic: 'AI', companies: ['Acme'] });
    const rejected = (await t.request(Approve, { executionId: id, stepId: 'review', approved: false, reason: 'Sources are missing' })).body.data!.approveStep;
    expect(rejected).toMatchObject({ __typename: 'Execution', status: 'FAILED', error: 'Step review was rejected: Sources are missing' });
    const again = (await t.request(Approve, { executionId: id, stepId: 'review', approved: true })).body.data!.approveStep;
    expect(again).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
  });

  it('answers NotFound for an unknown step or execution and Conflict for a step not awaiting approval', async () => {
    const { id } = await startAwaiting(t, research, { topic: 'AI', companies: ['Acme'] });
    expect((await t.request(Approve, { executionId: id, stepId: 'nope', approved: true })).body.data!.approveStep).toMatchObject({ __typename: 'NotFoundError' });
    expect((await t.request(Approve, { executionId: 'exec_nope', stepId: 'review', approved: true })).body.data!.approveStep).toMatchObject({ __typename: 'NotFoundError' });
    expect((await t.request(Approve, { executionId: id, stepId: 'research', approved: true })).body.data!.approveStep).toMatchObject({
      __typename: 'ConflictError',
      detail: 'Step research is completed, not awaiting_approval',
    });
    expect((await t.request(Approve, { executionId: id, stepId: 'review', approved: false })).body.data!.approveStep).toMatchObject({ __typename: 'ValidationError' });
  });

  it('runs the named step again with the rejection as feedback, then asks again (On reject: revise)', async () => {
    const { id, watch } = await startAwaiting(t, revising, { topic: 'tides' });
    await t.request(Approve, { executionId: id, stepId: 'review', approved: false, reason: 'Mention the moon.' });
    await watch.until(id, ['running']);
    const second = await watch.until(id, ['awaiting_approval']);
    expect(second.status).toBe('awaiting_approval');
    let execution = (await t.request(Get, { id })).body.data!.execution!;
    const draft = execution.steps.find((s) => s.stepId === 'draft')!;
    expect(draft).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(draft.prompt).toContain('A reviewer rejected the previous result of this step, saying:\n\nMention the moon.');
    await t.request(Approve, { executionId: id, stepId: 'review', approved: true, reason: 'Better.' });
    await watch.until(id, ['completed']);
    execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.status).toBe('COMPLETED');
  });

  it('asks for approval of a For each step once, after all its items', async () => {
    const fanned = `# Fanned
## Inputs
- names: Names (string[], required)
## Agents
### Writer
Writes.
Model: offline
## Steps
### Greet
Agent: Writer
For each: inputs.names
Approval: required
Greet {{item}}.
### After
Agent: Writer
Sum up: {{steps.greet.output}}
`;
    const { id, watch } = await startAwaiting(t, fanned, { names: ['Ada', 'Grace'] });
    let execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['greet', 'AWAITING_APPROVAL'],
      ['greet', 'COMPLETED'],
      ['greet', 'COMPLETED'],
      ['after', 'PENDING'],
    ]);
    await t.request(Approve, { executionId: id, stepId: 'greet', approved: true, reason: 'Both fine.' });
    await watch.until(id, ['completed']);
    execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.steps.find((s) => s.stepId === 'after')!.prompt).toContain('Greet Ada');
  });

  it('waits for approval across a restart of the app, holding no job', async () => {
    const first = await startTestApp();
    const { id, watch } = await startAwaiting(first, research, { topic: 'AI', companies: ['Acme'] });
    await watch.stop();
    expect(await first.app.boss.getQueueSize('baton-step')).toBe(0);
    await first.stop();
    const second = await startTestApp({ databaseUrl: first.databaseUrl });
    try {
      const as = { authorization: `Bearer ${first.tenant.apiKey}`, 'x-tenant-id': first.tenant.tenantId };
      const again = await watchExecutions(second, first.tenant.tenantId);
      await second.request(Approve, { executionId: id, stepId: 'review', approved: true, reason: 'Fine.' }, as);
      await again.until(id, ['completed']);
      expect((await second.request(Get, { id }, as)).body.data!.execution!.status).toBe('COMPLETED');
    } finally {
      await second.stop();
    }
  });
});

describe('stop', () => {
  it('stops a waiting execution and refuses to stop it twice', async () => {
    const { id } = await startAwaiting(t, research, { topic: 'AI', companies: ['Acme'] });
    const stopped = (await t.request(Stop, { id })).body.data!.stopExecution;
    expect(stopped).toMatchObject({ __typename: 'Execution', status: 'STOPPED' });
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.steps.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'SKIPPED', 'STOPPED', 'STOPPED']);
    expect((await t.request(Stop, { id })).body.data!.stopExecution).toMatchObject({ __typename: 'ConflictError', message: 'Execution already stopped' });
    expect((await t.request(Stop, { id: 'exec_nope' })).body.data!.stopExecution).toMatchObject({ __typename: 'NotFoundError' });
  });
});
