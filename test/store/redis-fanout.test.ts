import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { ExecutionUpdates, update } from '../support/execution-updates.ts';

const redisUrl = process.env.REDIS_URL;

// Runs whenever REDIS_URL is set (CI sets it): two app instances on one database and one Redis.
describe.skipIf(!redisUrl)('event fan-out through Redis', () => {
  let publisher: TestApp;
  let subscriber: TestApp;
  beforeAll(async () => {
    publisher = await startTestApp({ redisUrl });
    subscriber = await startTestApp({ redisUrl, databaseUrl: publisher.databaseUrl });
  });
  afterAll(async () => {
    await subscriber?.stop();
    await publisher?.stop();
  });

  it('delivers an event published in one instance to a subscriber connected to the other', async () => {
    expect(publisher.app.pubsub.kind).toBe('redis');
    const tenant = publisher.tenant;
    const updates = subscribe(subscriber.wsClient({ authorization: `Bearer ${tenant.apiKey}`, 'x-tenant-id': tenant.tenantId }), ExecutionUpdates);
    const subscribed = once(subscriber.app.pubsub.activity, 'subscribed');
    const first = updates.next();
    await subscribed;
    await publisher.app.pubsub.publish('executionUpdated', tenant.tenantId, update(tenant.tenantId, 'exec_across'));
    expect((await first).value?.data?.executionUpdates).toMatchObject({ executionId: 'exec_across', status: 'COMPLETED' });
    await updates.return?.();
  });
});
