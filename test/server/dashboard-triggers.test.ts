import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard } from '../support/dashboard.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId } from '../support/runs.ts';
import { until } from '../support/until.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// The dashboard shows, for the workflow chosen in its run form, its schedules and the latest webhook
// notifications about its runs.

let t: TestApp;
let browser: Browser;
const receiver = new WebhookReceiver();
beforeAll(async () => {
  await receiver.start();
  t = await startTestApp({ env: { BATON_ALLOW_PRIVATE_WEBHOOKS: '1' } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await receiver.close();
});

const CreateSchedule = graphql(`
  mutation TestDashboardSchedule($input: ScheduleInput!) {
    createSchedule(input: $input) {
      __typename
      ... on Error { code detail }
    }
  }
`);
const CreateEndpoint = graphql(`
  mutation TestDashboardEndpoint($input: WebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on Error { code detail }
    }
  }
`);
const RunIt = graphql(`
  mutation TestDashboardTriggerRun($workflowId: ID!) {
    runWorkflow(workflowId: $workflowId, inputs: {}) {
      __typename
      ... on Execution { id }
    }
  }
`);
const Delivered = graphql(`
  query TestDashboardDelivered($workflowId: ID) {
    webhookDeliveries(first: 5, workflowId: $workflowId, status: DELIVERED) { totalCount }
  }
`);

const workflow = (title: string) => `# ${title}
## Agents
### Writer
Writes.
Model: offline
## Steps
### Write
Agent: Writer
Write a line.
`;

describe('triggers on the dashboard', () => {
  it("lists the chosen workflow's schedules and its runs' recent deliveries, and says how to add them when there are none", async () => {
    const nightly = await createWorkflowId(t, workflow('Nightly note'));
    const quiet = await createWorkflowId(t, workflow('Quiet note'));
    for (const input of [{ workflowId: nightly, cron: '0 9 * * 1-5', timezone: 'Europe/Paris' }, { workflowId: nightly, cron: '30 18 * * *', enabled: false }]) {
      expect((await t.request(CreateSchedule, { input })).body.data?.createSchedule.__typename).toBe('Schedule');
    }
    const endpoint = await t.request(CreateEndpoint, { input: { url: `${receiver.url}/hook`, events: ['EXECUTION_COMPLETED'] } });
    expect(endpoint.body.data?.createWebhookEndpoint.__typename).toBe('CreatedWebhookEndpoint');
    const watch = await watchExecutions(t);
    const run = (await t.request(RunIt, { workflowId: nightly })).body.data!.runWorkflow;
    if (run.__typename !== 'Execution') throw new Error(JSON.stringify(run));
    await watch.until(run.id, ['completed']);
    await watch.stop();
    await until(async () => ((await t.request(Delivered, { workflowId: nightly })).body.data?.webhookDeliveries.totalCount ?? 0) > 0, { what: 'the delivery recorded as delivered' });

    const problems: string[] = [];
    const page = await openDashboard(browser, t, problems);
    await page.selectOption('#target', { label: 'Nightly note' });
    const schedules = page.locator('#schedules li');
    await schedules.nth(1).waitFor();
    expect(await schedules.allInnerTexts()).toEqual([
      expect.stringMatching(/^0 9 \* \* 1-5\s+Europe\/Paris\s+active\s+next /),
      expect.stringMatching(/^30 18 \* \* \*\s+UTC\s+disabled\s*$/),
    ]);
    const delivery = page.locator('#deliveries li.delivery');
    await delivery.first().waitFor();
    expect(await delivery.allInnerTexts()).toEqual([expect.stringMatching(/^execution\.completed\s+delivered\s+1 attempt · HTTP 200 · /)]);

    await page.selectOption('#target', { label: 'Quiet note' });
    await page.locator('#schedules li.hint', { hasText: 'add one with createSchedule' }).waitFor();
    await page.locator('#deliveries li.hint', { hasText: 'createWebhookEndpoint' }).waitFor();
    expect(quiet).toMatch(/^wf_/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
