import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId } from '../support/runs.ts';

const RATE_LIMIT = 20;
let t: TestApp;
let watch: Awaited<ReturnType<typeof watchExecutions>>;
let writer: string;
beforeAll(async () => {
  t = await startTestApp({ env: { BATON_WEBHOOK_RATE_LIMIT: String(RATE_LIMIT), BATON_BODY_LIMIT: '65536' } });
  watch = await watchExecutions(t);
  writer = (await rest(t, 'POST', '/api/agents', { name: 'Writer', description: 'Writes briefs.', model: 'offline' })).body.id;
});
afterAll(async () => {
  await watch.stop();
  await t.stop();
});

const SECRET = 'It’s a secret';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function recipeWebhook(templateId: string, secret?: string): Promise<string> {
  const created = await rest(t, 'POST', '/api/workflow-recipes', {
    template_id: templateId,
    name: `Brief ${templateId}`,
    inputs: { topic: { type: 'string', required: true }, tone: { type: 'string', default: 'plain' } },
    steps: [{ step_id: 'write', order: 1, agent_id: writer, prompt_template: 'Write a {input.tone} brief on {input.topic}.' }],
    schedule_config: { type: 'webhook', ...(secret ? { webhook_secret: secret } : {}) },
  });
  expect(created.status).toBe(201);
  return created.body.schedule_config.webhook_id;
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const Execution = graphql(`
  query TestWebhookExecution($id: ID!) {
    execution(id: $id) { id status triggeredBy inputs recipeId workflowId }
  }
`);
const execution = async (id: string) => (await t.request(Execution, { id })).body.data!.execution!;

const CreateTrigger = graphql(`
  mutation TestCreateWebhookTrigger($workflowId: ID!, $secret: String) {
    createWebhookTrigger(workflowId: $workflowId, secret: $secret) {
      __typename
      ... on WebhookTrigger { id url signed workflowId }
      ... on Error { code detail }
    }
  }
`);
const Triggers = graphql(`
  query TestWebhookTriggers($workflowId: ID) {
    webhookTriggers(workflowId: $workflowId) { id signed }
  }
`);
const DeleteTrigger = graphql(`
  mutation TestDeleteWebhookTrigger($id: ID!) {
    deleteWebhookTrigger(id: $id) {
      __typename
      ... on WebhookTrigger { id }
      ... on Error { code }
    }
  }
`);

const MARKDOWN = `# Echo
Says what came in.
## Inputs
- raw: The body as sent (string, required)
## Agents
### Echoer
Repeats things.
Model: offline
## Steps
### Echo
Agent: Echoer
Repeat: {{inputs.raw}}
`;

describe('recipe webhooks (POST /api/webhooks/recipe/{webhook_id})', () => {
  it('answers GET with the recipe, and starts a run from a signed JSON body with triggered_by webhook', async () => {
    const id = await recipeWebhook('signed', SECRET);
    expect(id).toMatch(/^whk_[0-9a-z]{25}$/);
    const verified = await fetch(`${t.url}/api/webhooks/recipe/${id}`);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ status: 'ok', recipe: 'Brief signed' });

    // Fields the recipe does not declare (a sender's whole event) are left out, not refused.
    const body = JSON.stringify({ topic: 'tides', sender: { login: 'octocat' } });
    const started = await post(`/api/webhooks/recipe/${id}`, body, { 'x-hub-signature-256': sign(body) });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'started', execution_id: expect.stringMatching(/^exec_/) });
    expect(started.body.recipe_execution_id).toBe(started.body.execution_id);
    await watch.until(started.body.execution_id, ['completed']);
    const detail = await rest(t, 'GET', `/api/workflow-recipes/signed/executions/${started.body.execution_id}`);
    expect(detail.body).toMatchObject({ triggered_by: 'webhook', status: 'completed', input_data: { topic: 'tides', tone: 'plain' } });
  });

  it("stores a recipe's webhook secret encrypted, keeps it across updates, and never shows it", async () => {
    const id = await recipeWebhook('sealed', SECRET);
    const stored = async () => (await t.app.database.pool.query<{ config: string }>(`SELECT schedule_config::text AS config FROM recipes WHERE template_id = 'sealed'`)).rows[0].config;
    expect(await stored()).not.toContain(SECRET);
    expect(JSON.parse(await stored())).toMatchObject({ webhook_id: id, webhook_secret_sealed: expect.stringMatching(/^v1\./) });
    const shown = await rest(t, 'PUT', '/api/workflow-recipes/sealed', { description: 'Changed, the schedule as it was' });
    expect(shown.body.schedule_config).toEqual({ type: 'webhook', webhook_id: id, webhook_signed: true });
    expect(await stored()).not.toContain(SECRET);
    const body = JSON.stringify({ topic: 'kept' });
    expect((await post(`/api/webhooks/recipe/${id}`, body, { 'x-hub-signature-256': sign(body) })).status).toBe(202);
    expect((await post(`/api/webhooks/recipe/${id}`, body, { 'x-hub-signature-256': sign(body, 'guess') })).status).toBe(401);
    const forged = await rest(t, 'PUT', '/api/workflow-recipes/sealed', { schedule_config: { type: 'webhook', webhook_secret_sealed: 'v1.a.b.c' } });
    expect(forged.status).toBe(400);
    expect(forged.body.detail).toMatch(/Send the secret as `webhook_secret`/);
  });

  it('refuses a missing, malformed or wrong signature with 401 and starts nothing', async () => {
    const id = await recipeWebhook('guarded', SECRET);
    const body = JSON.stringify({ topic: 'x' });
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /must be signed/],
      [{ 'x-hub-signature-256': 'sha256=zz' }, /64 hex digits/],
      [{ 'x-hub-signature-256': sign(body, 'another secret') }, /does not match/],
      [{ 'x-webhook-signature': sign(`${body} `).slice(7) }, /does not match/],
    ];
    for (const [headers, detail] of cases) {
      const refused = await post(`/api/webhooks/recipe/${id}`, body, headers);
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toMatch(detail);
    }
    // The generic header, without the prefix, is accepted.
    const accepted = await post(`/api/webhooks/recipe/${id}`, body, { 'x-webhook-signature': sign(body).slice(7) });
    expect(accepted.status).toBe(202);
    const runs = await rest(t, 'GET', '/api/workflow-recipes/guarded/executions');
    expect(runs.body.total).toBe(1);
  });

  it('takes a form with a payload field, and any other body as {raw}', async () => {
    const id = await recipeWebhook('forms');
    const form = `payload=${encodeURIComponent(JSON.stringify({ topic: 'forms' }))}`;
    const started = await post(`/api/webhooks/recipe/${id}`, form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(started.status).toBe(202);
    expect((await execution(started.body.execution_id)).inputs).toEqual({ topic: 'forms', tone: 'plain' });

    const workflowId = await createWorkflowId(t, MARKDOWN);
    const trigger = (await t.request(CreateTrigger, { workflowId })).body.data!.createWebhookTrigger;
    if (trigger.__typename !== 'WebhookTrigger') throw new Error(JSON.stringify(trigger));
    const raw = await post(`/hooks/${trigger.id}`, 'plain text, as sent', { 'content-type': 'text/plain' });
    expect(raw.status).toBe(202);
    await watch.until(raw.body.execution_id, ['completed']);
    expect(await execution(raw.body.execution_id)).toMatchObject({ triggeredBy: 'webhook', workflowId, recipeId: null, inputs: { raw: 'plain text, as sent' } });
  });

  it('starts one execution for concurrent repeats of a delivery id, and answers the repeats with it', async () => {
    const id = await recipeWebhook('once', SECRET);
    const body = JSON.stringify({ topic: 'once' });
    const headers = { 'x-hub-signature-256': sign(body), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(`/api/webhooks/recipe/${id}`, body, headers)));
    const started = answers.filter((answer) => answer.status === 202);
    expect(started).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200).map((answer) => answer.body.status)).toEqual(Array(7).fill('duplicate'));
    expect(new Set(answers.map((answer) => answer.body.execution_id))).toEqual(new Set([started[0].body.execution_id]));

    const again = await post(`/api/webhooks/recipe/${id}`, body, { 'x-hub-signature-256': sign(body), 'idempotency-key': 'another' });
    expect(again.status).toBe(202);
    expect((await rest(t, 'GET', '/api/workflow-recipes/once/executions')).body.total).toBe(2);

    // Past 24 hours a delivery id counts as new.
    await t.app.database.pool.query(`UPDATE webhook_deliveries SET received_at = now() - interval '25 hours' WHERE webhook_id = $1`, [id]);
    const later = await post(`/api/webhooks/recipe/${id}`, body, headers);
    expect(later.status).toBe(202);
    expect(later.body.execution_id).not.toBe(started[0].body.execution_id);
  });

  it('answers hostile requests with a 4xx naming the problem', async () => {
    const id = await recipeWebhook('hostile');
    const cases: [string, string, Record<string, string>, number, RegExp][] = [
      [`/api/webhooks/recipe/whk_${'0'.repeat(25)}`, '{}', {}, 404, /No webhook with ID/],
      ['/api/webhooks/recipe/not-an-id', '{}', {}, 404, /No webhook with ID/],
      [`/api/webhooks/recipe/${id}`, '{"topic": ', {}, 400, /not valid JSON/],
      [`/api/webhooks/recipe/${id}`, '[1, 2]', {}, 400, /must be a JSON object/],
      [`/api/webhooks/recipe/${id}`, '{}', {}, 400, /topic/],
      [`/api/webhooks/recipe/${id}`, '{"topic": 3}', {}, 400, /topic/],
      [`/api/webhooks/recipe/${id}`, '{"topic": "a\\u0000b"}', {}, 400, /NUL/],
      [`/api/webhooks/recipe/${id}`, 'payload=%7Bnope', { 'content-type': 'application/x-www-form-urlencoded' }, 400, /`payload` is not valid JSON/],
      [`/api/webhooks/recipe/${id}`, '{"topic": "x"}', { 'idempotency-key': 'k'.repeat(201) }, 400, /longer than 200/],
      [`/api/webhooks/recipe/${id}`, JSON.stringify({ topic: 'x'.repeat(70_000) }), {}, 413, /limited to/],
    ];
    for (const [path, body, headers, status, detail] of cases) {
      const answer = await post(path, body, headers);
      expect({ path, body: body.slice(0, 30), status: answer.status }).toEqual({ path, body: body.slice(0, 30), status });
      expect(answer.body).toEqual({ error: expect.any(String), detail: expect.stringMatching(detail) });
    }
    const bytes = await fetch(`${t.url}/api/webhooks/recipe/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0xff, 0x7d]) });
    expect(bytes.status).toBe(400);
    expect((await rest(t, 'GET', '/api/workflow-recipes/hostile/executions')).body.total).toBe(0);
  });

  it('limits deliveries per webhook, not per tenant', async () => {
    const busy = await recipeWebhook('busy');
    const quiet = await recipeWebhook('quiet');
    const body = JSON.stringify({ topic: 'x' });
    const answers = await Promise.all(Array.from({ length: RATE_LIMIT + 1 }, () => post(`/api/webhooks/recipe/${busy}`, body)));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited).toHaveLength(1);
    expect(limited[0].body.detail).toMatch(new RegExp(`over its rate limit of ${RATE_LIMIT} deliveries a minute`));
    expect(limited[0].headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await post(`/api/webhooks/recipe/${quiet}`, body)).status).toBe(202);
  });

  it('stops answering once the recipe is no longer triggered by webhook', async () => {
    const id = await recipeWebhook('switched');
    expect((await rest(t, 'PUT', '/api/workflow-recipes/switched', { schedule_config: { type: 'manual' } })).status).toBe(200);
    expect((await fetch(`${t.url}/api/webhooks/recipe/${id}`)).status).toBe(404);
    expect((await post(`/api/webhooks/recipe/${id}`, '{"topic": "x"}')).status).toBe(404);
  });
});

describe('workflow webhooks (POST /hooks/{id})', () => {
  it('creates, lists and deletes triggers per tenant, signed when given a secret', async () => {
    const workflowId = await createWorkflowId(t, MARKDOWN);
    const created = (await t.request(CreateTrigger, { workflowId, secret: SECRET })).body.data!.createWebhookTrigger;
    if (created.__typename !== 'WebhookTrigger') throw new Error(JSON.stringify(created));
    expect(created).toMatchObject({ signed: true, workflowId, url: expect.stringMatching(new RegExp(`/hooks/${created.id}$`)) });
    expect((await t.request(Triggers, { workflowId })).body.data!.webhookTriggers).toEqual([{ id: created.id, signed: true }]);

    const verified = await fetch(`${t.url}/hooks/${created.id}`);
    expect(await verified.json()).toMatchObject({ status: 'ok', workflow: 'Echo', signed: true });
    expect((await post(`/hooks/${created.id}`, 'hello', { 'content-type': 'text/plain' })).status).toBe(401);
    const started = await post(`/hooks/${created.id}`, 'hello', { 'content-type': 'text/plain', 'x-hub-signature-256': sign('hello') });
    expect(started.status).toBe(202);
    await watch.until(started.body.execution_id, ['completed']);

    // Another tenant neither sees nor deletes it.
    const other = await createTenant(t.app.database.db, 'other');
    expect((await t.request(Triggers, {}, credentialsOf(other))).body.data!.webhookTriggers).toEqual([]);
    const foreign = (await t.request(DeleteTrigger, { id: created.id }, credentialsOf(other))).body.data!.deleteWebhookTrigger;
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const otherWorkflow = (await t.request(CreateTrigger, { workflowId }, credentialsOf(other))).body.data!.createWebhookTrigger;
    expect(otherWorkflow).toMatchObject({ code: 'NOT_FOUND' });

    expect((await t.request(DeleteTrigger, { id: created.id })).body.data!.deleteWebhookTrigger).toMatchObject({ __typename: 'WebhookTrigger' });
    expect((await post(`/hooks/${created.id}`, 'hello', { 'x-hub-signature-256': sign('hello') })).status).toBe(404);
  });

  it('refuses an empty secret and answers 404 for a deleted workflow', async () => {
    const workflowId = await createWorkflowId(t, MARKDOWN);
    expect((await t.request(CreateTrigger, { workflowId, secret: ' ' })).body.data!.createWebhookTrigger).toMatchObject({ code: 'BAD_REQUEST' });
    const trigger = (await t.request(CreateTrigger, { workflowId })).body.data!.createWebhookTrigger as { id: string };
    const Delete = graphql(`mutation TestWebhookDeleteWorkflow($id: ID!) { deleteWorkflow(id: $id) { __typename } }`);
    await t.request(Delete, { id: workflowId });
    expect((await post(`/hooks/${trigger.id}`, 'x', { 'content-type': 'text/plain' })).status).toBe(404);
  });
});
