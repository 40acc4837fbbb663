import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard } from '../support/dashboard.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// Forking from a step on the dashboard: the fork opens, shows where it came from and which steps it
// kept, and its source lists it.

let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const TWO_STEPS = `# Forked note
## Agents
### Writer
Writes.
Model: offline
## Steps
### First
Agent: Writer
Write a line.
### Second
Agent: Writer
Improve it: {{steps.first.output}}
`;

it('forks a finished execution from a step: the fork opens with its lineage and the kept step marked reused', { timeout: 60_000 }, async () => {
  const watch = await watchExecutions(t);
  const sourceId = await startExecutionId(t, await createWorkflowId(t, TWO_STEPS));
  await watch.until(sourceId, ['completed']);
  const problems: string[] = [];
  const page = await openDashboard(browser, t, problems);
  try {
    await page.locator('#executions button', { hasText: 'Forked note' }).click();
    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    expect(await page.locator('#retry').isHidden()).toBe(true);

    await page.locator('.step[data-step="second"] button.fork').click();
    const lineage = page.locator('#lineage', { hasText: `Forked from ${sourceId} at step second` });
    await lineage.waitFor();
    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    expect(await page.locator('.step[data-step="first"] .meta').textContent()).toMatch(/^reused/);
    expect(await page.locator('.step[data-step="second"] .meta').textContent()).not.toMatch(/reused/);

    // Back to the source through the link: it lists its fork.
    await lineage.locator('a').click();
    await page.locator('#lineage', { hasText: /Forks: exec_\w+ \(from second, completed\)/ }).waitFor();
    expect(problems).toEqual([]);
  } finally {
    await watch.stop();
    await page.close();
  }
});
