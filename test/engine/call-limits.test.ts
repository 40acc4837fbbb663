import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { FakeAnthropic, type LoggedRequest } from '../support/fake-anthropic.ts';

const FAN = `# Fan
Items side by side.

## Inputs
- items: What to do (string[], required)

## Agents

### Worker
Works.
Model: Haiku

## Steps

### Each
Agent: Worker
For each: inputs.items
Do {{item}}.
`;

const SetLimit = graphql(`
  mutation CallLimitsTenant($tenantId: ID, $limit: Int) {
    setTenantCallLimit(tenantId: $tenantId, maxConcurrentCalls: $limit) {
      __typename
      ... on Tenant { maxConcurrentCalls }
      ... on Error { code detail }
    }
  }
`);

const Settings = graphql(`
  mutation CallLimitsWorkflow($id: ID!, $limit: Int) {
    updateWorkflowSettings(id: $id, maxConcurrentCalls: $limit) {
      __typename
      ... on Workflow { maxConcurrentCalls budget { usd } }
      ... on Error { code detail }
    }
  }
`);

const fake = new FakeAnthropic();
/** Serves the API only; the two workers below run every step, each with its own memory. */
let api: TestApp;
let workers: TestApp[];
let admin: Record<string, string>;
const REDIS = 'redis://127.0.0.1:6379';

beforeAll(async () => {
  await fake.start();
  const env = { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url };
  api = await startTestApp({ env, redisUrl: REDIS, role: 'api' });
  workers = await Promise.all([0, 1].map(() => startTestApp({ env, redisUrl: REDIS, role: 'worker', databaseUrl: api.databaseUrl })));
  admin = credentialsOf(await createTenant(api.app.database.db, 'operator', 'admin'));
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await api.stop();
  await fake.close();
});

/** The most requests the fake model had open at once among `requests`. */
function mostAtOnce(requests: LoggedRequest[]): number {
  const edges = requests.flatMap((request) => [[request.receivedAt, 1] as const, [request.answeredAt!, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, change] of edges) most = Math.max(most, (open += change));
  return most;
}

describe('limits on running model calls', () => {
  it("holds a workspace's limit across two worker processes: its runs wait their turn and all finish", async () => {
    const workspace = await createTenant(api.app.database.db, 'capped');
    const headers = credentialsOf(workspace);
    expect((await api.request(SetLimit, { tenantId: workspace.tenantId, limit: 2 }, headers)).body.data!.setTenantCallLimit).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await api.request(SetLimit, { tenantId: workspace.tenantId, limit: 2 }, admin)).body.data!.setTenantCallLimit).toEqual({ __typename: 'Tenant', maxConcurrentCalls: 2 });

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'done', after: held });
    const before = fake.requests.length;
    const workflowId = await createWorkflowId(api, FAN, headers);
    const watch = await watchExecutions(api, workspace.tenantId);
    const ids = await Promise.all([0, 1, 2].map((run) => startExecutionId(api, workflowId, { items: [`${run}a`, `${run}b`, `${run}c`] }, headers)));
    // Two calls run; the third item of that run, and whichever worker advanced the other runs, found no room and wait.
    await fake.request(before + 2);
    await vi.waitFor(async () => expect(await api.app.database.db.executionWait.count({ where: { tenantId: workspace.tenantId } })).toBe(3), { timeout: 10_000 });
    expect(fake.requests.length - before).toBe(2);
    release();
    for (const id of ids) expect((await watch.until(id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
    await watch.stop();
    const requests = fake.requests.slice(before);
    expect(requests).toHaveLength(9);
    expect(mostAtOnce(requests)).toBeLessThanOrEqual(2);
    expect(await api.app.database.db.executionWait.count({ where: { tenantId: workspace.tenantId } })).toBe(0);
  });

  it("holds a workflow's own limit, and names a bad one", async () => {
    const workflowId = await createWorkflowId(api, FAN);
    expect((await api.request(Settings, { id: workflowId, limit: 0 })).body.data!.updateWorkflowSettings).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringMatching(/maxConcurrentCalls must be a whole number from 1 to 100000, not 0/) });
    expect((await api.request(Settings, { id: workflowId, limit: 1 })).body.data!.updateWorkflowSettings).toEqual({ __typename: 'Workflow', maxConcurrentCalls: 1, budget: null });
    fake.reply = () => ({ text: 'done', latencyMs: 20 });
    const before = fake.requests.length;
    const watch = await watchExecutions(api);
    const id = await startExecutionId(api, workflowId, { items: ['a', 'b', 'c', 'd'] });
    expect((await watch.until(id, ['completed', 'failed', 'stopped'])).status).toBe('completed');
    await watch.stop();
    expect(mostAtOnce(fake.requests.slice(before))).toBe(1);
  });
});
