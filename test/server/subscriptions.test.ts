import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { ExecutionUpdates, update } from '../support/execution-updates.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('GraphQL over WebSocket', () => {
  it('closes the socket with 4401 when connection_init carries bad credentials', async () => {
    const client = t.wsClient({ authorization: 'Bearer bt_wrong', 'x-tenant-id': t.tenant.tenantId });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => client.on('closed', (event) => resolve(event as never)));
    void subscribe(client, ExecutionUpdates).next().catch(() => {});
    expect(await closed).toMatchObject({ code: 4401, reason: 'Unauthorized' });
  });

  it('closes with 4401 when connection_init carries nothing', async () => {
    const client = t.wsClient({});
    const closed = new Promise<{ code: number }>((resolve) => client.on('closed', (event) => resolve(event as never)));
    void subscribe(client, ExecutionUpdates).next().catch(() => {});
    expect((await closed).code).toBe(4401);
  });

  it('delivers execution updates of the connection’s tenant only', async () => {
    const other = await createTenant(t.app.database.db, 'other');
    const updates = subscribe(t.wsClient(), ExecutionUpdates);
    const subscribed = once(t.app.pubsub.activity, 'subscribed');
    const first = updates.next();
    await subscribed;
    await t.app.pubsub.publish('executionUpdated', other.tenantId, update(other.tenantId, 'exec_theirs'));
    await t.app.pubsub.publish('executionUpdated', t.tenant.tenantId, update(t.tenant.tenantId, 'exec_ours'));
    expect((await first).value).toEqual({
      data: { executionUpdates: { executionId: 'exec_ours', workflowId: 'wf_1', status: 'COMPLETED', at: '2026-02-27T10:30:00.000Z' } },
    });
    await updates.return?.();
  });

  it('runs queries over the socket with the connection’s tenant', async () => {
    const Viewer = graphql(`
      query ViewerOverSocket {
        viewer {
          tenant {
            id
          }
        }
      }
    `);
    const result = await subscribe(t.wsClient(credentialsOf(t.tenant)), Viewer).next();
    expect(result.value).toEqual({ data: { viewer: { tenant: { id: t.tenant.tenantId } } } });
  });
});
