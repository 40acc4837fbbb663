import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { baton, cleanEnv, type BatonProcess } from '../support/process.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// Processes that share a database share the key endpoints' secrets are sealed with.
const SETTINGS = {
  BATON_SECRET_KEY: randomBytes(32).toString('base64'),
  BATON_ALLOW_PRIVATE_WEBHOOKS: '1',
  BATON_NOTIFICATION_TIMEOUT_MS: '2000',
  BATON_NOTIFICATION_RETRY_DELAY_SECONDS: '1',
};

const CreateEndpoint = graphql(`
  mutation CrashCreateWebhookEndpoint($input: WebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { __typename ... on CreatedWebhookEndpoint { secret endpoint { id } } }
  }
`);

describe('a worker killed mid-delivery', () => {
  let api: TestApp;
  let worker: BatonProcess | undefined;
  let second: TestApp | undefined;
  const hooks = new WebhookReceiver();

  beforeAll(async () => {
    await hooks.start();
    api = await startTestApp({ role: 'api', env: SETTINGS });
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await second?.stop();
    await api?.stop();
    await hooks.close();
  });

  it('delivers once the receiver acknowledges, after SIGKILL and a new worker, with the cut attempt shown as interrupted', { timeout: 120_000 }, async () => {
    // The first request is held open: the worker is killed while it waits for the answer.
    hooks.answer = (_request, index) => (index === 0 ? 'hang' : 200);
    const created = (await api.request(CreateEndpoint, { input: { url: hooks.url, events: ['EXECUTION_COMPLETED'] } })).body.data!.createWebhookEndpoint;
    if (created.__typename !== 'CreatedWebhookEndpoint') throw new Error(JSON.stringify(created));

    worker = baton(['serve', '--role', 'worker'], cleanEnv({ ...SETTINGS, DATABASE_URL: api.databaseUrl, BATON_DATA_DIR: await mkdtemp(join(tmpdir(), 'baton-notify-worker-')) }));
    await worker.waitFor(/Baton is running \(role: worker\)/);
    const executionId = await startExecutionId(api, await createWorkflowId(api, '# Note\n## Agents\n### Writer\nWrites.\nModel: offline\n## Steps\n### Write\nAgent: Writer\nWrite.\n'));
    const [held] = await hooks.waitFor(1);
    worker.child.kill('SIGKILL');
    await worker.exited;

    const db = api.app.database.db;
    const [delivery] = await db.notificationDelivery.findMany({ where: { executionId }, include: { tries: true } });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, tries: [{ number: 1, outcome: 'sending', finishedAt: null }] });

    // A new worker: pg-boss expires the dead worker's job and retries it.
    second = await startTestApp({ databaseUrl: api.databaseUrl, role: 'worker', env: SETTINGS, pollMs: 200 });
    const [, acknowledged] = await hooks.waitFor(2);
    expect(acknowledged.headers['webhook-id']).toBe(held.headers['webhook-id']);
    expect(acknowledged.body).toBe(held.body);
    expect(new Webhook(created.secret).verify(acknowledged.body, acknowledged.headers)).toMatchObject({ type: 'execution.completed', data: { execution_id: executionId } });

    const done = await vi.waitFor(async () => {
      const found = await db.notificationDelivery.findUniqueOrThrow({ where: { id: delivery.id }, include: { tries: { orderBy: { number: 'asc' } } } });
      if (found.status !== 'delivered') throw new Error(`still ${found.status}`);
      return found;
    }, { timeout: 10_000, interval: 100 });
    expect(done.tries.map((attempt) => [attempt.number, attempt.outcome, attempt.statusCode])).toEqual([[1, 'interrupted', null], [2, 'succeeded', 200]]);
    expect(hooks.received).toHaveLength(2);
  });
});
