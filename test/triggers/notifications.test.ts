import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { halt } from '../../src/engine/advance.ts';
import { lockExecution, setStatus, transaction } from '../../src/engine/transaction.ts';
import { fireSchedule } from '../../src/triggers/schedules.ts';
import { deliver, forgetOldNotifications } from '../../src/workers/notification-worker.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// One app whose endpoints may be on 127.0.0.1 (where the receivers listen), with retries a second
// apart and a short attempt timeout, so retries and timeouts happen within a test.
const ENV = { BATON_ALLOW_PRIVATE_WEBHOOKS: '1', BATON_NOTIFICATION_RETRY_DELAY_SECONDS: '1', BATON_NOTIFICATION_RETRIES: '4', BATON_NOTIFICATION_TIMEOUT_MS: '1500' };
let t: TestApp;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  t = await startTestApp({ env: ENV, pollMs: 200 });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await t.stop();
});

const receiver = async () => {
  const started = await new WebhookReceiver().start();
  receivers.push(started);
  return started;
};
/** Each test has a tenant of its own, so only its own endpoints hear of its executions. */
const tenant = async () => credentialsOf(await createTenant(t.app.database.db, 'notified tenant'));

const markdown = `# Note
## Agents
### Writer
Writes.
Model: offline
## Steps
### Write
Agent: Writer
Write a note about tides.
`;

const gated = `# Gated
## Agents
### Writer
Writes.
Model: offline
## Steps
### Draft
Agent: Writer
Draft a note.

### Review
Depends on: draft
Approval: required
Check the draft.
`;

const CreateEndpoint = graphql(`
  mutation TestCreateWebhookEndpoint($input: WebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreatedWebhookEndpoint { secret endpoint { id url events enabled } }
      ... on Error { code detail }
    }
  }
`);
const Deliveries = graphql(`
  query TestWebhookDeliveries($endpointId: ID, $executionId: ID) {
    webhookDeliveries(first: 50, endpointId: $endpointId, executionId: $executionId) {
      totalCount
      edges {
        node {
          id event executionId scheduleId status attemptCount lastStatusCode payload
          attempts { number round outcome statusCode error durationMs responseExcerpt finishedAt }
        }
      }
    }
  }
`);
const Redeliver = graphql(`
  mutation TestRedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) { __typename ... on WebhookDelivery { id status } ... on Error { code } }
  }
`);
const ApproveStep = graphql(`
  mutation TestNotifyApprove($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) { __typename }
  }
`);

type Headers = Record<string, string>;

async function createEndpoint(headers: Headers, url: string, events: string[]) {
  const result = (await t.request(CreateEndpoint, { input: { url, events: events as never } }, headers)).body.data!.createWebhookEndpoint;
  if (result.__typename !== 'CreatedWebhookEndpoint') throw new Error(`endpoint not created: ${JSON.stringify(result)}`);
  return { id: result.endpoint.id, secret: result.secret };
}

async function deliveries(headers: Headers, filter: { endpointId?: string; executionId?: string }) {
  return (await t.request(Deliveries, filter, headers)).body.data!.webhookDeliveries.edges.map((edge) => edge.node);
}

/** Waits (polling the database through the API, never sleeping blindly) until the filter's deliveries satisfy `done`. */
async function deliveriesWhen(headers: Headers, filter: { endpointId?: string; executionId?: string }, done: (found: Awaited<ReturnType<typeof deliveries>>) => boolean, timeout = 20_000) {
  return vi.waitFor(async () => {
    const found = await deliveries(headers, filter);
    if (!done(found)) throw new Error(`deliveries not there yet: ${JSON.stringify(found.map((d) => ({ status: d.status, attempts: d.attempts.map((a) => a.outcome) })))}`);
    return found;
  }, { timeout, interval: 100 });
}

describe('completion notifications', () => {
  it('POSTs a signed execution.completed that a Standard Webhooks library verifies, to the endpoints subscribed to it only', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    const others = await receiver();
    const endpoint = await createEndpoint(headers, `${hooks.url}/baton`, ['EXECUTION_COMPLETED', 'EXECUTION_FAILED']);
    await createEndpoint(headers, others.url, ['EXECUTION_FAILED']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    const workflowId = await createWorkflowId(t, markdown, headers);
    const executionId = await startExecutionId(t, workflowId, {}, headers);
    const [request] = await hooks.waitFor(1);

    const payload = new Webhook(endpoint.secret).verify(request.body, request.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'execution.completed', data: { execution_id: executionId, name: 'Note', workflow_id: workflowId, recipe_id: null, triggered_by: 'manual', status: 'completed', error: null, output_truncated: false, steps_completed: 1 } });
    expect(payload.data.output).toEqual(expect.any(String));
    expect(request.headers['webhook-id']).toMatch(/^whd_/);
    expect(request.headers['content-type']).toBe('application/json');
    // A wrong secret does not verify.
    expect(() => new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify(request.body, request.headers)).toThrow();

    const [delivery] = await deliveriesWhen(headers, { executionId }, (found) => found[0]?.status === 'DELIVERED');
    expect(delivery).toMatchObject({ id: request.headers['webhook-id'], event: 'EXECUTION_COMPLETED', executionId, status: 'DELIVERED', attemptCount: 1, lastStatusCode: 200 });
    expect(delivery.attempts).toMatchObject([{ number: 1, round: 0, outcome: 'SUCCEEDED', statusCode: 200, error: null, responseExcerpt: 'ok' }]);
    expect(others.received).toHaveLength(0);
  });

  it('retries an endpoint answering 500 with backoff until it answers 2xx, recording every attempt', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    hooks.answer = (_request, index) => (index < 2 ? 500 : 204);
    const endpoint = await createEndpoint(headers, hooks.url, ['EXECUTION_COMPLETED']);
    const executionId = await startExecutionId(t, await createWorkflowId(t, markdown, headers), {}, headers);

    const [delivery] = await deliveriesWhen(headers, { endpointId: endpoint.id }, (found) => found[0]?.status === 'DELIVERED');
    expect(delivery.executionId).toBe(executionId);
    expect(delivery.attempts.map((attempt) => [attempt.outcome, attempt.statusCode])).toEqual([['FAILED', 500], ['FAILED', 500], ['SUCCEEDED', 204]]);
    expect(delivery.attempts[0]).toMatchObject({ error: 'HTTP 500', responseExcerpt: 'no thanks (500)' });
    // Every attempt is the same message: one webhook-id, each signed afresh.
    expect(new Set(hooks.received.map((request) => request.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    for (const request of hooks.received) expect(() => new Webhook(endpoint.secret).verify(request.body, request.headers)).not.toThrow();
  });

  it('fails a delivery whose retries are spent, sends nothing more for it, and refuses to redeliver to a disabled endpoint', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    hooks.answer = () => 503;
    const endpoint = await createEndpoint(headers, hooks.url, ['EXECUTION_COMPLETED']);
    await startExecutionId(t, await createWorkflowId(t, markdown, headers), {}, headers);
    const [pending] = await deliveriesWhen(headers, { endpointId: endpoint.id }, (found) => found[0]?.attempts[0]?.outcome === 'FAILED');
    // The last attempt a worker allows (here a worker allowing no retries at all): it fails for good.
    const settings = { timeoutMs: 1500, retryDelaySeconds: 1, retries: 0, allowPrivate: true, secretKey: Buffer.alloc(32) };
    await expect(deliver({ pool: t.app.database.pool, settings }, { deliveryId: pending.id, round: 0 })).resolves.toBeUndefined();
    const [failed] = await deliveries(headers, { endpointId: endpoint.id });
    expect(failed).toMatchObject({ status: 'FAILED', lastStatusCode: null, attemptCount: 2 });
    // The secret was sealed under the app's key, not this worker's: the attempt says so instead of sending unsigned.
    expect(failed.attempts[1]).toMatchObject({ outcome: 'FAILED', error: expect.stringMatching(/signing secret cannot be opened.*BATON_SECRET_KEY/) });
    const sent = hooks.received.length;
    await expect(deliver({ pool: t.app.database.pool, settings }, { deliveryId: pending.id, round: 0 })).resolves.toBeUndefined();
    expect(hooks.received).toHaveLength(sent);

    expect((await rest(t, 'PUT', `/api/webhook-endpoints/${endpoint.id}`, { enabled: false }, headers)).status).toBe(200);
    const refused = await rest(t, 'POST', `/api/webhook-deliveries/${pending.id}/redeliver`, undefined, headers);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/endpoint is disabled; enable it/);
  });

  it('records an endpoint that hangs as a timed-out attempt and delivers on a retry', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    hooks.answer = (_request, index) => (index === 0 ? 'hang' : 200);
    const endpoint = await createEndpoint(headers, hooks.url, ['EXECUTION_COMPLETED']);
    await startExecutionId(t, await createWorkflowId(t, markdown, headers), {}, headers);

    const [delivery] = await deliveriesWhen(headers, { endpointId: endpoint.id }, (found) => found[0]?.status === 'DELIVERED');
    expect(delivery.attempts).toMatchObject([
      { number: 1, outcome: 'TIMED_OUT', statusCode: null, error: 'No answer within 1500 ms' },
      { number: 2, outcome: 'SUCCEEDED', statusCode: 200 },
    ]);
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(1400);
  });

  it('notifies execution.awaiting_approval and then execution.failed when the step is rejected', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    await createEndpoint(headers, hooks.url, ['EXECUTION_AWAITING_APPROVAL', 'EXECUTION_FAILED', 'EXECUTION_COMPLETED']);
    const executionId = await startExecutionId(t, await createWorkflowId(t, gated, headers), {}, headers);
    const [waiting] = await hooks.waitFor(1);
    expect(JSON.parse(waiting.body)).toMatchObject({ type: 'execution.awaiting_approval', data: { execution_id: executionId, status: 'awaiting_approval' } });

    const rejected = await t.request(ApproveStep, { executionId, stepId: 'review', approved: false, reason: 'Too short' }, headers);
    expect(rejected.body.data!.approveStep.__typename).toBe('Execution');
    const [, failed] = await hooks.waitFor(2);
    expect(JSON.parse(failed.body)).toMatchObject({ type: 'execution.failed', data: { execution_id: executionId, status: 'failed', error: expect.stringMatching(/rejected: Too short/) } });
    expect((await deliveries(headers, { executionId })).map((delivery) => delivery.event).sort()).toEqual(['EXECUTION_AWAITING_APPROVAL', 'EXECUTION_FAILED']);
  });

  it('sends execution.budget_exhausted beside execution.failed when an execution fails because its budget ran out', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    await createEndpoint(headers, hooks.url, ['EXECUTION_BUDGET_EXHAUSTED']);
    const executionId = await startExecutionId(t, await createWorkflowId(t, gated, headers), {}, headers);
    await vi.waitFor(async () => expect((await t.app.database.db.execution.findUniqueOrThrow({ where: { id: executionId } })).status).toBe('awaiting_approval'), { timeout: 10_000 });
    // What a budget check calls when the money runs out.
    await transaction(t.app.engine, async (sql, changes) => halt(sql, changes, (await lockExecution(sql, executionId))!, 'budget_exhausted', { error: 'Its budget of $0.50 ran out' }));
    const [request] = await hooks.waitFor(1);
    expect(JSON.parse(request.body)).toMatchObject({ type: 'execution.budget_exhausted', data: { execution_id: executionId, status: 'failed', error: 'Its budget of $0.50 ran out' } });
    await deliveriesWhen(headers, { executionId }, (found) => found.length === 1 && found[0].event === 'EXECUTION_BUDGET_EXHAUSTED' && found[0].status === 'DELIVERED');
  });

  it('cuts a long output at 32 KB, never leaving half a character that would refuse the status change', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    await createEndpoint(headers, hooks.url, ['EXECUTION_COMPLETED']);
    const executionId = await startExecutionId(t, await createWorkflowId(t, gated, headers), {}, headers);
    await vi.waitFor(async () => expect((await t.app.database.db.execution.findUniqueOrThrow({ where: { id: executionId } })).status).toBe('awaiting_approval'), { timeout: 10_000 });
    // An emoji (two UTF-16 units) across the limit, as a model's long answer may have it.
    const output = `${'x'.repeat(32 * 1024 - 1)}😀 and more`;
    await transaction(t.app.engine, async (sql, changes) => setStatus(sql, changes, (await lockExecution(sql, executionId))!, 'completed', { output, completedAt: new Date() }));
    const [request] = await hooks.waitFor(1);
    const { data } = JSON.parse(request.body);
    expect(data).toMatchObject({ status: 'completed', output_truncated: true });
    expect(data.output).toHaveLength(32 * 1024);
    expect(data.output.endsWith('x\uFFFD')).toBe(true);
  });

  it('redelivers on request: the same body and webhook-id, a new round of attempts', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    const endpoint = await createEndpoint(headers, hooks.url, ['EXECUTION_COMPLETED']);
    await startExecutionId(t, await createWorkflowId(t, markdown, headers), {}, headers);
    const [first] = await deliveriesWhen(headers, { endpointId: endpoint.id }, (found) => found[0]?.status === 'DELIVERED');

    const again = await rest(t, 'POST', `/api/webhook-deliveries/${first.id}/redeliver`, undefined, headers);
    expect(again.status).toBe(202);
    // The answer is read after the redelivery commits, when a fast worker may already have made the
    // new round's attempt: the attempts below are what the test checks.
    expect(again.body).toMatchObject({ id: first.id });
    expect(['pending', 'delivered']).toContain(again.body.status);
    expect([1, 2]).toContain(again.body.attempt_count);
    const [one, two] = await hooks.waitFor(2);
    expect(two.headers['webhook-id']).toBe(one.headers['webhook-id']);
    expect(two.body).toBe(one.body);
    const [redelivered] = await deliveriesWhen(headers, { endpointId: endpoint.id }, (found) => found[0]?.attempts.length === 2 && found[0].status === 'DELIVERED');
    expect(redelivered.attempts.map((attempt) => [attempt.number, attempt.round, attempt.outcome])).toEqual([[1, 0, 'SUCCEEDED'], [2, 1, 'SUCCEEDED']]);

    const listed = await rest(t, 'GET', `/api/webhook-deliveries?endpoint_id=${endpoint.id}&status=delivered`, undefined, headers);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 1, items: [{ id: first.id, event: 'execution.completed', attempt_count: 2, attempts: [{ outcome: 'succeeded' }, { outcome: 'succeeded' }] }] });

    // Finished deliveries are kept for 30 days.
    await t.app.database.pool.query(`UPDATE notification_deliveries SET created_at = now() - interval '31 days' WHERE id = $1`, [first.id]);
    expect(await forgetOldNotifications(t.app.database.pool)).toBeGreaterThanOrEqual(1);
    expect(await deliveries(headers, { endpointId: endpoint.id })).toEqual([]);
  });

  it('publishes schedule.paused when a schedule pauses itself after its failures', async () => {
    const headers = await tenant();
    const tenantId = headers['x-tenant-id'];
    const hooks = await receiver();
    await createEndpoint(headers, hooks.url, ['SCHEDULE_PAUSED']);
    const workflowId = await createWorkflowId(t, markdown.replace('## Agents', '## Inputs\n- topic: About what (string, required)\n## Agents'), headers);
    // Inputs the workflow refuses: every fire fails to start.
    const schedule = await t.app.database.db.schedule.create({ data: { id: `sch_${Date.now()}`, tenantId, workflowId, cron: '0 * * * *', maxFailures: 2 } });
    const deps = { ...t.app.engine, models: t.app.models };
    expect(await fireSchedule(deps, schedule.id, new Date(Date.UTC(2030, 0, 1, 1, 0, 5)))).toMatchObject({ outcome: 'failed' });
    expect(await fireSchedule(deps, schedule.id, new Date(Date.UTC(2030, 0, 1, 2, 0, 5)))).toMatchObject({ outcome: 'failed' });

    const [request] = await hooks.waitFor(1);
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'schedule.paused',
      data: { schedule_id: schedule.id, workflow_id: workflowId, consecutive_failures: 2, reason: expect.stringMatching(/^Paused after 2 consecutive failed scheduled runs/), last_error: expect.stringMatching(/topic/) },
    });
    // Paused once: a later fire finds it paused and sends nothing more.
    expect(await fireSchedule(deps, schedule.id, new Date(Date.UTC(2030, 0, 1, 3, 0, 5)))).toEqual({ outcome: 'paused' });
    const [delivery] = await deliveriesWhen(headers, {}, (found) => found[0]?.status === 'DELIVERED');
    expect(delivery).toMatchObject({ event: 'SCHEDULE_PAUSED', scheduleId: schedule.id, executionId: null });
  });
});

describe('webhook endpoints over REST', () => {
  it('creates, lists, updates and deletes, never showing the secret after creation', async () => {
    const headers = await tenant();
    const hooks = await receiver();
    const created = await rest(t, 'POST', '/api/webhook-endpoints', { url: hooks.url, events: ['execution.completed'], description: 'ops' }, headers);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: hooks.url, events: ['execution.completed'], description: 'ops', enabled: true, secret: expect.stringMatching(/^whsec_/) });
    const id = created.body.id as string;

    const own = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const withSecret = await rest(t, 'POST', '/api/webhook-endpoints', { url: hooks.url, events: ['execution.failed', 'execution.failed', 'schedule.paused'], secret: own }, headers);
    expect(withSecret.body).toMatchObject({ secret: own, events: ['execution.failed', 'schedule.paused'] });

    const one = await rest(t, 'GET', `/api/webhook-endpoints/${id}`, undefined, headers);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    const list = await rest(t, 'GET', '/api/webhook-endpoints', undefined, headers);
    expect(list.body).toMatchObject({ total: 2, items: [{ id }, { id: withSecret.body.id }] });
    expect(JSON.stringify(list.body)).not.toContain('whsec_');

    const updated = await rest(t, 'PUT', `/api/webhook-endpoints/${id}`, { events: ['execution.budget_exhausted'], enabled: false }, headers);
    expect(updated.body).toMatchObject({ id, events: ['execution.budget_exhausted'], enabled: false, description: 'ops' });
    expect((await rest(t, 'DELETE', `/api/webhook-endpoints/${id}`, undefined, headers)).body).toEqual({ success: true, message: `Webhook endpoint ${hooks.url} deleted` });
    expect((await rest(t, 'GET', `/api/webhook-endpoints/${id}`, undefined, headers)).status).toBe(404);
  });

  it('answers bad input with a 400 naming the problem, and another tenant\'s ids with 404', async () => {
    const headers = await tenant();
    const post = (body: unknown) => rest(t, 'POST', '/api/webhook-endpoints', body, headers);
    const scheme = await post({ url: 'ftp://example.com/hook', events: ['execution.completed'] });
    expect(scheme.status).toBe(400);
    expect(scheme.body.detail).toMatch(/`url` must be an http or https URL, not ftp:/);
    expect((await post({ url: 'not a url', events: ['execution.completed'] })).body.detail).toMatch(/`url` "not a url" is not a URL/);
    expect((await post({ url: 'http://user:pw@example.com/', events: ['execution.completed'] })).body.detail).toMatch(/must not hold credentials/);
    const event = await post({ url: 'https://example.com/hook', events: ['execution.exploded'] });
    expect(event.status).toBe(400);
    expect(event.body.detail).toMatch(/events\.0/);
    expect(event.body.detail).toMatch(/execution\.completed/);
    expect((await post({ url: 'https://example.com/hook', events: [] })).body.detail).toMatch(/at least one event/);
    expect((await post({ url: 'https://example.com/hook', events: ['execution.completed'], secret: 'hunter2' })).body.detail).toMatch(/`secret` must be "whsec_"/);
    expect((await post({ url: 'https://nowhere.invalid/hook', events: ['execution.completed'] })).body.detail).toMatch(/host nowhere\.invalid does not resolve/);
    expect((await post({ url: 'https://example.com/hook', events: ['execution.completed'], extra: 1 })).body.detail).toMatch(/unknown field `extra`/);
    expect((await rest(t, 'GET', '/api/webhook-deliveries?status=lost', undefined, headers)).status).toBe(400);

    // Another tenant's endpoint and delivery are simply not found.
    const other = await tenant();
    const hooks = await receiver();
    const theirs = await createEndpoint(other, hooks.url, ['EXECUTION_COMPLETED']);
    await startExecutionId(t, await createWorkflowId(t, markdown, other), {}, other);
    const [delivery] = await deliveriesWhen(other, { endpointId: theirs.id }, (found) => found.length === 1);
    for (const [method, path, body] of [
      ['GET', `/api/webhook-endpoints/${theirs.id}`],
      ['PUT', `/api/webhook-endpoints/${theirs.id}`, { enabled: false }],
      ['DELETE', `/api/webhook-endpoints/${theirs.id}`],
      ['GET', `/api/webhook-deliveries?endpoint_id=${theirs.id}`],
      ['POST', `/api/webhook-deliveries/${delivery.id}/redeliver`],
      ['POST', '/api/webhook-deliveries/whd_nope/redeliver'],
    ] as const) {
      const answer = await rest(t, method, path, body, headers);
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    expect(await deliveries(headers, { executionId: delivery.executionId! })).toEqual([]);
    const redeliver = (await t.request(Redeliver, { deliveryId: delivery.id }, headers)).body.data!.redeliverWebhook;
    expect(redeliver).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('refuses loopback and private addresses unless BATON_ALLOW_PRIVATE_WEBHOOKS is set', async () => {
    const strict = await startTestApp({ databaseUrl: t.databaseUrl, role: 'api' });
    try {
      for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]/hook', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:192.168.0.1]/']) {
        const answer = await rest(strict, 'POST', '/api/webhook-endpoints', { url, events: ['execution.completed'] });
        expect(answer.status, url).toBe(400);
        expect(answer.body.detail, url).toMatch(/a loopback, private or link-local address; webhooks go to public addresses only .*BATON_ALLOW_PRIVATE_WEBHOOKS=1/);
      }
    } finally {
      await strict.stop();
    }
  });
});
