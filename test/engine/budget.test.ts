import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId } from '../support/runs.ts';
import { FakeAnthropic, lastUserText, type LoggedRequest } from '../support/fake-anthropic.ts';

const FAN = `# Fan
Fifty items, side by side.

## Inputs
- items: What to do (string[], required)

## Agents

### Worker
Works.
Model: Haiku
Max tokens: 40

## Steps

### Each
Agent: Worker
For each: inputs.items
Do {{item}}.

## Output
steps.each.output
`;

const JSON_STEP = `# Json
One JSON answer.

## Agents

### Worker
Works.
Model: Haiku
Max tokens: 40

## Steps

### Answer
Agent: Worker
Output: json
Give the answer.
`;

const Run = graphql(`
  mutation BudgetTestRun($workflowId: ID!, $inputs: JSON, $budget: BudgetInput) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs, budget: $budget) {
      __typename
      ... on Execution { id budget { tokens usd } }
      ... on Error { code message detail }
    }
  }
`);

const Execution = graphql(`
  query BudgetTestExecution($id: ID!) {
    execution(id: $id) {
      status
      error
      output
      budget { tokens usd }
      spend { tokens usd reservedTokens reservedUsd }
      steps { stepId itemIndex status output tokens { input output } }
    }
  }
`);

const SetTenantBudget = graphql(`
  mutation BudgetTestTenant($tenantId: ID, $budget: TenantBudgetInput!) {
    setTenantBudget(tenantId: $tenantId, budget: $budget) {
      __typename
      ... on Tenant { id budget { usdPerDay usdPerMonth tokensPerDay } }
      ... on Error { code detail }
    }
  }
`);

const Stop = graphql(`
  mutation BudgetTestStop($id: ID!) {
    stopExecution(id: $id) { __typename }
  }
`);

const Spend = graphql(`
  query BudgetTestSpend($days: Int) {
    viewer { tenant { budget { tokensPerDay } } }
    dailyCosts(days: $days) { date tokens costUsd runs }
  }
`);

const WorkflowSettings = graphql(`
  mutation BudgetTestSettings($id: ID!, $budget: BudgetInput) {
    updateWorkflowSettings(id: $id, budget: $budget) {
      __typename
      ... on Workflow { id budget { tokens usd } }
      ... on Error { code detail }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
const USAGE = { input: 80, output: 20 };
const items = Array.from({ length: 50 }, (_, index) => `item-${String(index).padStart(2, '0')}`);

beforeAll(async () => {
  await fake.start();
  fake.reply = (request) => ({ text: `done ${lastUserText(request).slice(3, 10)}`, usage: USAGE, latencyMs: 20 });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, FAN);
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

/** The worst case Baton reserves for a request: its text's UTF-8 bytes plus framing, and its max_tokens. */
const worstCase = (request: LoggedRequest) => Buffer.byteLength((request.body.system ?? '') + lastUserText(request)) + 32 + request.body.max_tokens;

async function run(variables: { workflowId: string; inputs: object; budget?: { tokens?: number; usd?: number } }, headers = credentialsOf(t.tenant)) {
  const watch = await watchExecutions(t, headers['x-tenant-id']);
  try {
    const started = (await t.request(Run, variables, headers)).body.data!.runWorkflow;
    if (started.__typename !== 'Execution') return { refused: started };
    await watch.until(started.id, ['completed', 'failed', 'stopped', 'budget_exhausted']);
    return { execution: (await t.request(Execution, { id: started.id }, headers)).body.data!.execution! };
  } finally {
    await watch.stop();
  }
}

describe('budgets', () => {
  it('stops a fan-out at its budget: no call starts that could pass it, finished items and the partial output are kept', async () => {
    const before = fake.requests.length;
    const budget = 10 * (USAGE.input + USAGE.output);
    const { execution } = await run({ workflowId, inputs: { items }, budget: { tokens: budget } });
    const requests = fake.requests.slice(before);
    expect(execution!.status).toBe('BUDGET_EXHAUSTED');
    expect(execution!.error).toMatch(/^budget exhausted: the execution's budget of 1000 tokens/);
    const done = execution!.steps.filter((step) => step.itemIndex !== null && step.itemIndex >= 0 && step.status === 'COMPLETED');
    // Every call the model saw was recorded, and together they stay within the budget.
    expect(requests.length).toBe(done.length);
    expect(execution!.spend).toEqual({ tokens: done.length * (USAGE.input + USAGE.output), usd: expect.any(Number), reservedTokens: 0, reservedUsd: 0 });
    expect(execution!.spend.tokens).toBeLessThanOrEqual(budget);
    // Stopped exactly at it: what was left could not hold one more call's worst case.
    expect(budget - execution!.spend.tokens).toBeLessThan(Math.min(...requests.map(worstCase)));
    // Items ran side by side (more than one reservation fitted at a time) until the budget tightened.
    expect(Math.max(...requests.map((request, index) => requests.filter((other, o) => o !== index && other.receivedAt < (request.answeredAt ?? Infinity) && (other.answeredAt ?? Infinity) > request.receivedAt).length))).toBeGreaterThan(0);
    expect(execution!.steps.filter((step) => step.status === 'STOPPED').length).toBe(50 - done.length + 1);
    for (const step of done) expect(execution!.output).toContain(step.output);
  });

  it('never sends a further request that does not fit: a second try at JSON waits for room, and the run ends when there is none', async () => {
    const json = await createWorkflowId(t, JSON_STEP);
    const before = fake.requests.length;
    const reply = fake.reply;
    fake.reply = () => ({ text: 'not json', usage: USAGE });
    try {
      const { execution } = await run({ workflowId: json, inputs: {}, budget: { tokens: 600 } });
      const requests = fake.requests.slice(before);
      expect(execution!.status).toBe('BUDGET_EXHAUSTED');
      // Each request was a first try: its second try never fitted beside the first's reservation.
      expect(requests.every((request) => !lastUserText(request).includes('not valid JSON'))).toBe(true);
      expect(requests.length).toBeGreaterThan(0);
      expect(execution!.spend).toMatchObject({ tokens: requests.length * (USAGE.input + USAGE.output), reservedTokens: 0 });
      expect(execution!.spend.tokens).toBeLessThanOrEqual(600);
    } finally {
      fake.reply = reply;
    }
  });

  it('refuses a budget of zero or less, naming it', async () => {
    const { refused } = await run({ workflowId, inputs: { items }, budget: { tokens: 0, usd: -1 } });
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringMatching(/budget\.tokens must be a whole number from 1.*not 0; budget\.usd must be above 0, not -1/) });
  });

  it("gives a workflow's executions its default budget, unless their run names one", async () => {
    const settings = (await t.request(WorkflowSettings, { id: workflowId, budget: { usd: 0.000001 } })).body.data!.updateWorkflowSettings;
    expect(settings).toMatchObject({ budget: { tokens: null, usd: 0.000001 } });
    const before = fake.requests.length;
    const { execution } = await run({ workflowId, inputs: { items: ['a'] } });
    expect(execution).toMatchObject({ status: 'BUDGET_EXHAUSTED', budget: { usd: 0.000001 }, error: expect.stringMatching(/budget of 0\.000001 USD/) });
    expect(fake.requests.length).toBe(before);
    const own = await run({ workflowId, inputs: { items: ['a'] }, budget: { tokens: 1000 } });
    expect(own.execution).toMatchObject({ status: 'COMPLETED', budget: { tokens: 1000, usd: null } });
    expect((await t.request(WorkflowSettings, { id: workflowId, budget: null })).body.data!.updateWorkflowSettings).toMatchObject({ budget: null });
  });

  it("holds a workspace to its daily limit, set by an admin key, and reports what it spent per day", async () => {
    const workspace = await createTenant(t.app.database.db, 'limited');
    const headers = credentialsOf(workspace);
    const member = (await t.request(SetTenantBudget, { budget: { tokensPerDay: 100 } }, headers)).body.data!.setTenantBudget;
    expect(member).toMatchObject({ __typename: 'ForbiddenError' });
    const admin = await createTenant(t.app.database.db, 'operator', 'admin');
    const set = (await t.request(SetTenantBudget, { tenantId: workspace.tenantId, budget: { tokensPerDay: 1000 } }, credentialsOf(admin))).body.data!.setTenantBudget;
    expect(set).toMatchObject({ id: workspace.tenantId, budget: { tokensPerDay: 1000, usdPerDay: null } });

    const own = await createWorkflowId(t, FAN, headers);
    const { execution } = await run({ workflowId: own, inputs: { items: items.slice(0, 20) } }, headers);
    expect(execution!.status).toBe('BUDGET_EXHAUSTED');
    expect(execution!.error).toMatch(/^budget exhausted: the workspace's daily budget of 1000 tokens/);
    const spent = execution!.spend.tokens;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(1000);
    const { viewer, dailyCosts } = (await t.request(Spend, { days: 7 }, headers)).body.data!;
    expect(viewer.tenant.budget).toEqual({ tokensPerDay: 1000 });
    expect(dailyCosts).toHaveLength(7);
    expect(dailyCosts.at(-1)).toMatchObject({ tokens: spent, runs: 1, costUsd: execution!.spend.usd });
    expect(dailyCosts.slice(0, 6).every((day) => day.tokens === 0 && day.runs === 0)).toBe(true);
    // A second run the same day finds nothing left to start with.
    const before = fake.requests.length;
    const again = await run({ workflowId: own, inputs: { items: ['z'] } }, headers);
    expect(again.execution!.status).toBe('BUDGET_EXHAUSTED');
    expect(fake.requests.length).toBe(before);
  });

  it('frees a reservation when its attempt ends without a record: a stopped run holds none of its workspace\'s budget', async () => {
    const workspace = await createTenant(t.app.database.db, 'stopping');
    const headers = credentialsOf(workspace);
    const admin = await createTenant(t.app.database.db, 'operator 2', 'admin');
    // Room for one call's worst case, not two.
    await t.request(SetTenantBudget, { tenantId: workspace.tenantId, budget: { tokensPerDay: 500 } }, credentialsOf(admin));
    const own = await createWorkflowId(t, FAN, headers);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const reply = fake.reply;
    fake.reply = (request) => ({ ...reply(request, 0), after: held });
    const watch = await watchExecutions(t, workspace.tenantId);
    try {
      // Its call may reach the model before the run is answered.
      const next = fake.requests.length + 1;
      const first = (await t.request(Run, { workflowId: own, inputs: { items: ['a'] } }, headers)).body.data!.runWorkflow;
      if (first.__typename !== 'Execution') throw new Error(JSON.stringify(first));
      const request = await fake.request(next);
      expect((await t.request(Execution, { id: first.id }, headers)).body.data!.execution!.spend.reservedTokens).toBe(worstCase(request));
      await t.request(Stop, { id: first.id }, headers);
      await watch.until(first.id, ['stopped']);
      release();
      fake.reply = reply;
      const second = await run({ workflowId: own, inputs: { items: ['b'] } }, headers);
      expect(second.execution!.status).toBe('COMPLETED');
    } finally {
      release();
      fake.reply = reply;
      await watch.stop();
    }
  });
});
