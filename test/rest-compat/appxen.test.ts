import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { rest } from '../support/rest.ts';

// The documented REST API (seed 000 and spec/api.md), through real HTTP with the offline model.

const BRIEF = `# Brief
Writes a short brief.

## Inputs
- topic: The topic (string, required)
- depth: How deep (string, default: "shallow")

## Agents
### Writer
Writes clearly.
Model: offline

## Steps
### Draft
Agent: Writer
Write about {{inputs.topic}} at {{inputs.depth}} depth.

### Final
Agent: Writer
Polish: {{steps.draft.output}}

## Output
steps.final.output
`;

const GATED = `# Gated
Waits for a person.

## Agents
### Writer
Writes clearly.
Model: offline

## Steps
### Draft
Agent: Writer
Write something.

### Review
Approval: required
Check the draft.

## Output
steps.draft.output
`;

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
beforeAll(async () => {
  t = await startTestApp({ env: { PUBLIC_URL: 'https://share.example.com/base/' } });
  watch = await watchExecutions(t);
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
});

async function completedExecution(mount: string) {
  const workflow = await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF });
  const run = await rest(t, 'POST', `${mount}/workflows/${workflow.body.id}/run`, { inputs: { topic: 'tides' } });
  await watch.until(run.body.execution_id, ['completed']);
  return { workflowId: workflow.body.id as string, executionId: run.body.execution_id as string };
}

async function waitingExecution(mount: string) {
  const workflow = await rest(t, 'POST', `${mount}/workflows`, { markdown: GATED });
  const run = await rest(t, 'POST', `${mount}/workflows/${workflow.body.id}/run`, {});
  await watch.until(run.body.execution_id, ['awaiting_approval']);
  return run.body.execution_id as string;
}

describe.each(['', '/orchestrator'])('REST API mounted at "%s"', (mount) => {
  describe('workflows', () => {
    it('POST /workflows creates a workflow (201) with the documented fields and its compiled plan', async () => {
      const { status, body } = await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF });
      expect(status).toBe(201);
      expect(body).toMatchObject({ id: expect.stringMatching(/^wf_/), name: 'Brief', description: 'Writes a short brief.', markdown: BRIEF, created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO) });
      expect(body.execution_plan).toMatchObject({ name: 'Brief', output: 'steps.final.output', output_type: 'markdown', compiler_notes: [] });
      expect(body.execution_plan.inputs).toEqual([
        { name: 'topic', type: 'string', required: true, default: null, enum: null, description: 'The topic' },
        { name: 'depth', type: 'string', required: false, default: 'shallow', enum: null, description: 'How deep' },
      ]);
      expect(body.execution_plan.steps.map((step: { id: string; depends_on: string[] }) => [step.id, step.depends_on])).toEqual([['draft', []], ['final', ['draft']]]);
      expect(body.execution_plan.agents[0]).toMatchObject({ id: 'writer', name: 'Writer', model: 'offline', model_id: 'offline', max_tokens: expect.any(Number), system_prompt: expect.any(String) });
    });

    it('POST /workflows answers 400 with the compiler notes when the markdown does not compile', async () => {
      const { status, body } = await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF.replace('Agent: Writer', 'Agent: Wroter') });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'Compilation failed', detail: expect.stringContaining('Wroter') });
      expect(body.compiler_notes).toContainEqual(expect.objectContaining({ severity: 'error', code: 'UNKNOWN_AGENT', line: expect.any(Number), column: expect.any(Number) }));
    });

    it('answers 400 naming the problem for malformed JSON, a missing field and a wrong type', async () => {
      const malformed = await rest(t, 'POST', `${mount}/workflows`, '{"markdown": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: 'Bad request', detail: expect.stringContaining('not valid JSON') });
      const missing = await rest(t, 'POST', `${mount}/workflows`, {});
      expect(missing.status).toBe(400);
      expect(missing.body.detail).toContain('`markdown` is required');
      const wrong = await rest(t, 'POST', `${mount}/workflows`, { markdown: 42 });
      expect(wrong.status).toBe(400);
      expect(wrong.body.detail).toBe('field `markdown` must be a string, got number');
      const array = await rest(t, 'POST', `${mount}/workflows`, '[]');
      expect(array.body.detail).toBe('The body must be a JSON object, got array');
    });

    it('GET /workflows lists them newest first, with limit and cursor', async () => {
      const first = (await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF })).body.id;
      const second = (await rest(t, 'POST', `${mount}/workflows`, { markdown: GATED })).body.id;
      const page1 = await rest(t, 'GET', `${mount}/workflows?limit=1`);
      expect(page1.status).toBe(200);
      expect(page1.body.workflows).toEqual([{ id: second, name: 'Gated', description: 'Waits for a person.', version: 1, created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO) }]);
      const page2 = await rest(t, 'GET', `${mount}/workflows?limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
      expect(page2.body.workflows[0].id).toBe(first);
      const all = await rest(t, 'GET', `${mount}/workflows`);
      expect(all.body.workflows.length).toBeGreaterThanOrEqual(2);
    });

    it('GET /workflows answers 400 for a limit out of range or a bad cursor', async () => {
      const limit = await rest(t, 'GET', `${mount}/workflows?limit=500`);
      expect(limit.status).toBe(400);
      expect(limit.body.detail).toContain('`limit` must be an integer from 1 to 200');
      const cursor = await rest(t, 'GET', `${mount}/workflows?cursor=nonsense`);
      expect(cursor.status).toBe(400);
      expect(cursor.body).toEqual({ error: 'Invalid cursor: nonsense', detail: 'Invalid cursor: nonsense' });
    });

    it('GET /workflows/{id} returns the workflow with its plan; an unknown id is 404', async () => {
      const created = (await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF })).body;
      const { status, body } = await rest(t, 'GET', `${mount}/workflows/${created.id}`);
      expect(status).toBe(200);
      expect(body).toEqual(created);
      const missing = await rest(t, 'GET', `${mount}/workflows/wf_invalid`);
      expect(missing).toMatchObject({ status: 404, body: { error: 'Workflow not found', detail: 'No workflow with ID wf_invalid exists for this tenant' } });
    });

    it('PUT /workflows/{id} recompiles; bad markdown is 400, an unknown id 404', async () => {
      const created = (await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF })).body;
      const updated = await rest(t, 'PUT', `${mount}/workflows/${created.id}`, { markdown: BRIEF.replace('# Brief', '# Better Brief') });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id: created.id, name: 'Better Brief', version: 2, execution_plan: { name: 'Better Brief' } });
      expect((await rest(t, 'PUT', `${mount}/workflows/${created.id}`, { markdown: '# Broken\n## Steps\n### A\nAgent: Nobody\nx' })).status).toBe(400);
      expect((await rest(t, 'PUT', `${mount}/workflows/wf_nope`, { markdown: BRIEF })).status).toBe(404);
    });

    it('DELETE /workflows/{id} answers 204; the workflow is gone and its executions stay readable', async () => {
      const { workflowId, executionId } = await completedExecution(mount);
      const deleted = await rest(t, 'DELETE', `${mount}/workflows/${workflowId}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');
      expect((await rest(t, 'GET', `${mount}/workflows/${workflowId}`)).status).toBe(404);
      expect((await rest(t, 'DELETE', `${mount}/workflows/${workflowId}`)).status).toBe(404);
      expect((await rest(t, 'GET', `${mount}/executions/${executionId}`)).body.status).toBe('completed');
    });

    it('POST /workflows/compile previews without saving: 200 with valid true or false', async () => {
      const before = (await rest(t, 'GET', `${mount}/workflows?limit=200`)).body.workflows.length;
      const good = await rest(t, 'POST', `${mount}/workflows/compile`, { markdown: BRIEF });
      expect(good.status).toBe(200);
      expect(good.body).toMatchObject({ valid: true, name: 'Brief', description: 'Writes a short brief.', output: 'steps.final.output', output_type: 'markdown', compiler_notes: [] });
      expect(Object.keys(good.body)).toEqual(expect.arrayContaining(['valid', 'name', 'description', 'inputs', 'agents', 'steps', 'output', 'output_type', 'compiler_notes']));
      const bad = await rest(t, 'POST', `${mount}/workflows/compile`, { markdown: BRIEF.replace('Agent: Writer', 'Agent: Wroter') });
      expect(bad.status).toBe(200);
      expect(bad.body.valid).toBe(false);
      expect(bad.body.compiler_notes[0]).toMatchObject({ severity: 'error', code: 'UNKNOWN_AGENT' });
      expect((await rest(t, 'POST', `${mount}/workflows/compile`, 'not json')).status).toBe(400);
      expect((await rest(t, 'GET', `${mount}/workflows?limit=200`)).body.workflows.length).toBe(before);
    });
  });

  describe('executions', () => {
    it('POST /workflows/{id}/run answers 202 at once; GET /executions/{id} shows the documented fields when complete', async () => {
      const workflow = (await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF })).body;
      const run = await rest(t, 'POST', `${mount}/workflows/${workflow.id}/run`, { inputs: { topic: 'AI in healthcare', depth: 'deep' } });
      expect(run.status).toBe(202);
      expect(run.body).toEqual({ execution_id: expect.stringMatching(/^exec_/), status: 'running', started_at: expect.stringMatching(ISO) });
      await watch.until(run.body.execution_id, ['completed']);
      const { status, body } = await rest(t, 'GET', `${mount}/executions/${run.body.execution_id}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        execution_id: run.body.execution_id,
        workflow_id: workflow.id,
        workflow_name: 'Brief',
        status: 'completed',
        started_at: run.body.started_at,
        completed_at: expect.stringMatching(ISO),
        steps_completed: 2,
        steps_total: 2,
        final_output: expect.stringContaining('offline model'),
        output_type: 'markdown',
        inputs: { topic: 'AI in healthcare', depth: 'deep' },
        error: null,
        version: 1,
        refine_status: null,
        share_url: null,
      });
    });

    it('POST /workflows/{id}/run answers 400 naming every bad input, and 404 for an unknown workflow', async () => {
      const workflow = (await rest(t, 'POST', `${mount}/workflows`, { markdown: BRIEF })).body;
      const bad = await rest(t, 'POST', `${mount}/workflows/${workflow.id}/run`, { inputs: { depth: 3, colour: 'red' } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toMatch(/topic/);
      expect(bad.body.detail).toMatch(/depth/);
      expect(bad.body.detail).toMatch(/colour/);
      const notObject = await rest(t, 'POST', `${mount}/workflows/${workflow.id}/run`, { inputs: 'tides' });
      expect(notObject).toMatchObject({ status: 400, body: { detail: 'field `inputs` must be an object, got string' } });
      expect((await rest(t, 'POST', `${mount}/workflows/wf_missing/run`, { inputs: { topic: 'x' } })).status).toBe(404);
    });

    it('GET /executions lists newest first and filters by status and workflow_id', async () => {
      const { workflowId, executionId } = await completedExecution(mount);
      const waiting = await waitingExecution(mount);
      const all = await rest(t, 'GET', `${mount}/executions`);
      expect(all.status).toBe(200);
      expect(all.body.executions[0].execution_id).toBe(waiting);
      expect(all.body.executions[0]).toMatchObject({ status: 'awaiting_approval', workflow_name: 'Gated' });
      const ofWorkflow = await rest(t, 'GET', `${mount}/executions?workflow_id=${workflowId}`);
      expect(ofWorkflow.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual([executionId]);
      const waitingOnes = await rest(t, 'GET', `${mount}/executions?status=awaiting_approval&limit=200`);
      expect(waitingOnes.body.executions.every((e: { status: string }) => e.status === 'awaiting_approval')).toBe(true);
      expect(waitingOnes.body.executions.map((e: { execution_id: string }) => e.execution_id)).toContain(waiting);
      const bogus = await rest(t, 'GET', `${mount}/executions?status=sleeping`);
      expect(bogus.status).toBe(400);
      expect(bogus.body.detail).toContain('`status` must be one of running, awaiting_approval, completed, failed, stopped');
    });

    it('GET /executions/{id}/steps gives step-level results with the documented fields', async () => {
      const { executionId } = await completedExecution(mount);
      const { status, body } = await rest(t, 'GET', `${mount}/executions/${executionId}/steps`);
      expect(status).toBe(200);
      expect(body.steps.map((step: { step_id: string }) => step.step_id)).toEqual(['draft', 'final']);
      expect(body.steps[0]).toEqual({
        step_id: 'draft',
        item_index: null,
        agent_id: 'writer',
        status: 'completed',
        model: 'offline',
        output: expect.stringContaining('offline model'),
        tokens: { input: expect.any(Number), output: expect.any(Number) },
        turns: 1,
        tool_calls: 0,
        started_at: expect.stringMatching(ISO),
        completed_at: expect.stringMatching(ISO),
        duration_ms: expect.any(Number),
        attempts: 1,
        error: null,
        approval: null,
      });
      expect((await rest(t, 'GET', `${mount}/executions/exec_missing/steps`)).status).toBe(404);
    });

    it('GET /executions/{id} answers 404 for an unknown id and for another tenant’s execution', async () => {
      const { executionId } = await completedExecution(mount);
      const missing = await rest(t, 'GET', `${mount}/executions/exec_invalid`);
      expect(missing).toMatchObject({ status: 404, body: { error: 'Execution not found', detail: 'No execution with ID exec_invalid exists for this tenant' } });
      const other = await createTenant(t.app.database.db, 'someone else');
      expect((await rest(t, 'GET', `${mount}/executions/${executionId}`, undefined, credentialsOf(other))).status).toBe(404);
    });

    it('DELETE /executions/{id} stops a running execution (200) and answers 409 the second time', async () => {
      const executionId = await waitingExecution(mount);
      const stopped = await rest(t, 'DELETE', `${mount}/executions/${executionId}`);
      expect(stopped.status).toBe(200);
      expect(stopped.body).toMatchObject({ execution_id: executionId, status: 'stopped', completed_at: expect.stringMatching(ISO) });
      const again = await rest(t, 'DELETE', `${mount}/executions/${executionId}`);
      expect(again).toMatchObject({ status: 409, body: { error: 'Execution already stopped', detail: expect.stringContaining(executionId) } });
      expect((await rest(t, 'DELETE', `${mount}/executions/exec_missing`)).status).toBe(404);
    });

    it('POST /executions/{id}/steps/{step_id}/approve approves a gate; 409 when not awaiting, 400 without `approved`, 404 for an unknown step', async () => {
      const executionId = await waitingExecution(mount);
      const missing = await rest(t, 'POST', `${mount}/executions/${executionId}/steps/review/approve`, { reason: 'fine' });
      expect(missing).toMatchObject({ status: 400, body: { detail: 'field `approved` is required (boolean)' } });
      const rejectWithoutReason = await rest(t, 'POST', `${mount}/executions/${executionId}/steps/review/approve`, { approved: false });
      expect(rejectWithoutReason.status).toBe(400);
      expect((await rest(t, 'POST', `${mount}/executions/${executionId}/steps/nope/approve`, { approved: true })).status).toBe(404);
      expect((await rest(t, 'POST', `${mount}/executions/${executionId}/steps/draft/approve`, { approved: true })).status).toBe(409);
      const approved = await rest(t, 'POST', `${mount}/executions/${executionId}/steps/review/approve`, { approved: true, reason: 'Looks good, proceed.' });
      expect(approved.status).toBe(200);
      expect(approved.body.execution_id).toBe(executionId);
      await watch.until(executionId, ['completed']);
      const again = await rest(t, 'POST', `${mount}/executions/${executionId}/steps/review/approve`, { approved: true });
      expect(again).toMatchObject({ status: 409, body: { error: 'Step not awaiting approval' } });
      const steps = (await rest(t, 'GET', `${mount}/executions/${executionId}/steps`)).body.steps;
      expect(steps[1]).toMatchObject({ step_id: 'review', status: 'completed', approval: { approved: true, reason: 'Looks good, proceed.', at: expect.stringMatching(ISO) } });
    });
  });

  describe('share, refine and versions', () => {
    it('POST /executions/{id}/share is idempotent and the link serves the output until DELETE revokes it', async () => {
      const { executionId } = await completedExecution(mount);
      const shared = await rest(t, 'POST', `${mount}/executions/${executionId}/share`);
      expect(shared.status).toBe(200);
      expect(shared.body).toEqual({ share_url: expect.stringMatching(/^https:\/\/share\.example\.com\/base\/s\/[0-9a-z]{25}$/) });
      expect((await rest(t, 'POST', `${mount}/executions/${executionId}/share`)).body).toEqual(shared.body);
      expect((await rest(t, 'GET', `${mount}/executions/${executionId}`)).body.share_url).toBe(shared.body.share_url);
      const path = new URL(shared.body.share_url).pathname.replace('/base', '');
      const page = await fetch(`${t.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('offline model');
      const revoked = await rest(t, 'DELETE', `${mount}/executions/${executionId}/share`);
      expect(revoked.status).toBe(204);
      expect((await fetch(`${t.url}${path}`)).status).toBe(404);
      expect((await rest(t, 'GET', `${mount}/executions/${executionId}`)).body.share_url).toBeNull();
      expect((await rest(t, 'DELETE', `${mount}/executions/${executionId}/share`)).status).toBe(404);
    });

    it('sharing answers 409 unless the execution is completed, and 404 for an unknown one', async () => {
      const executionId = await waitingExecution(mount);
      expect(await rest(t, 'POST', `${mount}/executions/${executionId}/share`)).toMatchObject({ status: 409, body: { error: 'Execution not completed' } });
      expect((await rest(t, 'POST', `${mount}/executions/exec_missing/share`)).status).toBe(404);
    });

    it('POST /executions/{id}/refine answers 202, then a new version appears with its prompt and parent', async () => {
      const { executionId } = await completedExecution(mount);
      const events = t.app.pubsub.subscribe('executionEvent', executionId);
      await events.ready;
      const refine = await rest(t, 'POST', `${mount}/executions/${executionId}/refine`, { prompt: 'Make the introduction more concise.' });
      expect(refine.status).toBe(202);
      expect(refine.body).toEqual({ status: 'refining', message: 'Refinement started' });
      for await (const event of events) if (event.type === 'refine.completed') break;
      const execution = (await rest(t, 'GET', `${mount}/executions/${executionId}`)).body;
      expect(execution).toMatchObject({ version: 2, refine_status: 'completed', final_output: expect.stringContaining('Make the introduction more concise') });
      const versions = await rest(t, 'GET', `${mount}/executions/${executionId}/versions`);
      expect(versions.status).toBe(200);
      expect(versions.body).toEqual({
        versions: [
          { version: 2, prompt: 'Make the introduction more concise.', parent_version: 1, created_at: expect.stringMatching(ISO) },
          { version: 1, prompt: null, parent_version: null, created_at: expect.stringMatching(ISO) },
        ],
      });
      const v1 = await rest(t, 'GET', `${mount}/executions/${executionId}/versions/1`);
      expect(v1.body).toEqual({ version: 1, output: expect.stringContaining('offline model'), output_type: 'markdown', prompt: null, parent_version: null, created_at: expect.stringMatching(ISO) });
      const v2 = await rest(t, 'GET', `${mount}/executions/${executionId}/versions/2`);
      expect(v2.body.output).toBe(execution.final_output);
    });

    it('refining answers 409 unless completed, 400 without a prompt, 404 for an unknown execution', async () => {
      const waiting = await waitingExecution(mount);
      expect(await rest(t, 'POST', `${mount}/executions/${waiting}/refine`, { prompt: 'Shorter.' })).toMatchObject({ status: 409, body: { error: 'Execution not completed' } });
      const { executionId } = await completedExecution(mount);
      expect(await rest(t, 'POST', `${mount}/executions/${executionId}/refine`, {})).toMatchObject({ status: 400, body: { detail: 'field `prompt` is required (string)' } });
      expect((await rest(t, 'POST', `${mount}/executions/${executionId}/refine`, { prompt: '   ' })).status).toBe(400);
      expect((await rest(t, 'POST', `${mount}/executions/exec_missing/refine`, { prompt: 'x' })).status).toBe(404);
    });

    it('versions answer 404 for an unknown version or execution and 400 for a version that is not a number', async () => {
      const { executionId } = await completedExecution(mount);
      expect(await rest(t, 'GET', `${mount}/executions/${executionId}/versions/7`)).toMatchObject({ status: 404, body: { error: 'Version not found' } });
      expect((await rest(t, 'GET', `${mount}/executions/${executionId}/versions/first`)).status).toBe(400);
      expect((await rest(t, 'GET', `${mount}/executions/exec_missing/versions`)).status).toBe(404);
    });
  });

  it('answers 401 without credentials or with a wrong key', async () => {
    const none = await rest(t, 'GET', `${mount}/workflows`, undefined, {});
    expect(none).toMatchObject({ status: 401, body: { error: 'Unauthorized', detail: expect.stringContaining('API key') } });
    const wrong = await rest(t, 'GET', `${mount}/executions`, undefined, { 'x-api-key': 'bt_wrong', 'x-tenant-id': t.tenant.tenantId });
    expect(wrong.status).toBe(401);
    expect(Object.keys(wrong.body)).toEqual(['error', 'detail']);
  });
});
