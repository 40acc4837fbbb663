import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard, pageWatchesAnExecution } from '../support/dashboard.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';
import { FakeAnthropic, type LoggedRequest } from '../support/fake-anthropic.ts';

// From an empty browser to a shared, refined result of a workflow written on the page: write it with
// a mistake, see the diagnostic at its line and column, fix it, save, run it, watch the graph's nodes
// go from pending to running to completed, approve from a node, read the rendered output, refine it
// into version 2, share it and open the link. The real server, Postgres and Chromium; only the model
// is the local fake.
//
// Each state is photographed. The pictures are written when the test fails (test-results/dashboard/)
// or, as JPEG, when DASHBOARD_SCREENSHOTS names a folder (the README's: `DASHBOARD_SCREENSHOTS=docs/dashboard`).

const WITH_MISTAKE = `# Tide Notes
A note a person checks, then polished.

## Inputs
- topic: The topic (string, required)

## Agents
### Writer
Writes short notes.
Model: Haiku

## Steps
### Draft
Agent: Wrtier
Approval: required
Write a note about {{inputs.topic}}.

### Polish
Agent: Writer
Polish this note: {{steps.draft.output}}

## Output
steps.polish.output
`;
const FIXED = WITH_MISTAKE.replace('Agent: Wrtier', 'Agent: Writer');

const DRAFT = 'Tides rise and fall twice a day.';
const POLISHED = '# Tides\n\nThe sea **rises and falls** twice a day, pulled by the moon.\n\n- high tide\n- low tide';
const REFINED = '# Tides\n\nTwice a day, the moon pulls the sea.';

const fake = new FakeAnthropic();
let t: TestApp;
let browser: Browser;
const gates = { draft: gate(), polish: gate(), refine: gate() };
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  browser = await launchBrowser();
});
afterAll(async () => {
  gates.draft.open();
  gates.polish.open();
  gates.refine.open();
  await browser?.close();
  await t?.stop();
  await fake.close();
});

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const said = (request: LoggedRequest) => JSON.stringify(request.body.messages);

/** The pictures of the states seen so far, written out on failure (or always, to DASHBOARD_SCREENSHOTS). */
function camera(page: Page) {
  const shots: [string, Buffer][] = [];
  const folder = process.env.DASHBOARD_SCREENSHOTS;
  return {
    /** Photographs the page scrolled to `at`, when given. */
    async take(name: string, at?: string) {
      if (at) await page.locator(at).first().evaluate((element) => element.scrollIntoView({ block: 'start' }));
      const picture = await page.screenshot({ fullPage: false });
      shots.push([name, picture]);
      if (folder) {
        mkdirSync(folder, { recursive: true });
        // Small enough to keep in the repository.
        writeFileSync(join(folder, `${name}.jpg`), await page.screenshot({ type: 'jpeg', quality: 70 }));
      }
    },
    async keepAll() {
      const dir = join('test-results', 'dashboard');
      mkdirSync(dir, { recursive: true });
      shots.push(['failure', await page.screenshot({ fullPage: true }).catch(() => Buffer.alloc(0))]);
      shots.forEach(([name, picture], index) => writeFileSync(join(dir, `${String(index + 1).padStart(2, '0')}-${name}.png`), picture));
    },
  };
}

it('writes a workflow with a mistake, fixes it, saves, runs it live on the graph, approves from a node, refines and shares it', { timeout: 90_000 }, async () => {
  const watching = pageWatchesAnExecution(t);
  let refineWatched: Promise<void> = Promise.resolve();
  fake.reply = (request) => {
    const text = said(request);
    if (text.includes('Write a note about tides')) return { text: DRAFT, after: watching, pause: { afterDeltas: 1, until: gates.draft.opened } };
    if (text.includes('Polish this note')) return { text: POLISHED, pause: { afterDeltas: 1, until: gates.polish.opened } };
    // Once the page follows the refinement (its text is live only).
    return { text: REFINED, after: refineWatched, pause: { afterDeltas: 2, until: gates.refine.opened } };
  };
  const problems: string[] = [];
  const page = await openDashboard(browser, t, problems);
  await page.setViewportSize({ width: 1280, height: 900 });
  const photo = camera(page);
  try {
    // Write: the mistake is named at its line and column, in the gutter, under the text and in the list.
    await page.click('#tab-workflows');
    // The examples are offered as templates: one fills the editor, and compiles clean.
    await page.locator('#template option', { hasText: 'Relay' }).waitFor({ state: 'attached' });
    await page.selectOption('#template', { label: 'Relay' });
    expect(await page.inputValue('#markdown')).toMatch(/^# Relay/);
    await page.locator('#diagnostics-summary', { hasText: /^No problems\./ }).waitFor();
    expect(await page.locator('#editor-heading').textContent()).toBe('New workflow from “Relay”');
    await page.fill('#markdown', WITH_MISTAKE);
    const note = page.locator('#diagnostics li.error', { hasText: 'UNKNOWN_AGENT' });
    await note.waitFor();
    expect(await note.locator('.where').textContent()).toBe('14:8');
    expect(await note.textContent()).toContain('Did you mean `Writer`?');
    expect(await page.locator('#gutter .line[data-line="14"]').getAttribute('class')).toBe('line error');
    expect(await page.locator('#backdrop mark').textContent()).toBe('Wrtier');
    await photo.take('editor-diagnostic');
    // A click on the problem puts the cursor there.
    await note.locator('button').click();
    const cursor = await page.$eval('#markdown', (area) => [document.activeElement === area, (area as HTMLTextAreaElement).selectionStart]);
    expect(cursor).toEqual([true, WITH_MISTAKE.indexOf('Wrtier')]);

    // Fix and save: the plan is drawn, the workflow listed with its version.
    await page.fill('#markdown', FIXED);
    await page.locator('#diagnostics-summary', { hasText: /^No problems\./ }).waitFor();
    expect(await page.locator('#workflow-graph [data-node]').count()).toBe(2);
    expect(await page.locator('#workflow-graph .edge').count()).toBe(1);
    expect(await page.locator('#workflow-graph [data-node="draft"] .node-marks').textContent()).toContain('approval');
    await page.keyboard.press('Control+s');
    await page.locator('#save-message', { hasText: 'Saved version 1.' }).waitFor();
    await page.locator('#workflow-list button', { hasText: 'Tide Notes' }).waitFor();
    await photo.take('editor-saved', '#editor-pane');
    // A second save keeps the first as a revision.
    await page.fill('#markdown', FIXED.replace('then polished.', 'then polished for print.'));
    await page.click('#save');
    await page.locator('#save-message', { hasText: 'Saved version 2.' }).waitFor();
    await page.locator('#revisions li[data-version="1"] button').click();
    expect(await page.locator('#revision-text').textContent()).toBe(FIXED);
    // Unsaved changes are not thrown away by opening a workflow unless the person agrees.
    await page.fill('#markdown', `${FIXED}\nUnsaved.`);
    const asked = page.waitForEvent('dialog');
    const click = page.locator('#workflow-list button', { hasText: 'Tide Notes' }).click();
    const dialog = await asked;
    expect(dialog.message()).toBe('Discard the unsaved changes in the editor?');
    await dialog.dismiss();
    await click;
    expect(await page.inputValue('#markdown')).toBe(`${FIXED}\nUnsaved.`);

    // Run it from the editor: the run form of this workflow.
    await page.click('#run-workflow');
    await page.locator('#run-inputs [name="topic"]').fill('tides');
    await page.click('#run');

    // The graph, live: Draft runs while Polish waits.
    const draft = page.locator('#execution-graph [data-node="draft"]');
    const polish = page.locator('#execution-graph [data-node="polish"]');
    await page.locator('#execution-graph [data-node="draft"][data-status="RUNNING"]').waitFor();
    expect(await polish.getAttribute('data-status')).toBe('PENDING');
    expect(await draft.locator('.node-status').textContent()).toBe('running');
    await photo.take('graph-running');
    gates.draft.open();
    await page.locator('#execution-graph [data-node="draft"][data-status="AWAITING_APPROVAL"]').waitFor();

    // Approve from the node, chosen with the keyboard: its detail shows the prompt as sent and the output.
    await draft.focus();
    await page.keyboard.press('Enter');
    const detail = page.locator('#node-detail');
    await detail.locator('.prompt', { hasText: 'Write a note about tides.' }).waitFor();
    await detail.locator('.rendered', { hasText: DRAFT }).waitFor();
    expect(await detail.locator('dd').allTextContents()).toEqual(expect.arrayContaining(['25 in / 12 out', '1']));
    await photo.take('node-detail-approval', '#execution-graph');
    await detail.locator('button.approve').click();
    await page.locator('#execution-graph [data-node="draft"][data-status="COMPLETED"]').waitFor();
    await page.locator('#execution-graph [data-node="polish"][data-status="RUNNING"]').waitFor();
    gates.polish.open();
    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    await page.locator('#execution-graph [data-node="polish"][data-status="COMPLETED"]').waitFor();

    // The output rendered as on the share page, with the raw text a toggle away; the costs by step.
    expect(await page.locator('#output h1').textContent()).toBe('Tides');
    expect(await page.locator('#output strong').textContent()).toBe('rises and falls');
    expect(await page.locator('#output li').count()).toBe(2);
    expect(await page.locator('#step-costs [data-step="draft"]').count()).toBe(1);
    await photo.take('execution-completed', '#output');

    // Refine into version 2.
    await page.fill('#refine-prompt', 'Make it shorter');
    refineWatched = pageWatchesAnExecution(t);
    await page.click('#refine');
    // The new version's text streams in as the model writes it.
    await page.locator('#refine-stream', { hasText: /^# Tides/ }).waitFor();
    expect(REFINED.startsWith((await page.locator('#refine-stream').textContent())!)).toBe(true);
    expect(await page.locator('#refine-status').textContent()).toBe('Refining…');
    gates.refine.open();
    await page.locator('#detail h2', { hasText: 'Output · version 2' }).waitFor();
    await page.locator('#output', { hasText: 'Twice a day, the moon pulls the sea.' }).waitFor();
    await page.locator('#versions li[data-version="2"]', { hasText: '“Make it shorter”' }).waitFor();
    await page.click('#compare');
    expect(await page.locator('#diff .added').allTextContents()).toEqual(['+ Twice a day, the moon pulls the sea.\n']);
    await photo.take('refined', '#versions-part');

    // Share, and open the link as anyone would.
    await page.click('#share');
    const link = page.locator('#share-link');
    await link.waitFor();
    const url = await link.getAttribute('href');
    expect(url).toMatch(/\/s\/[\w-]+$/);
    await photo.take('shared', '#share-part');
    const reader = await browser.newPage();
    // The link names BATON_PUBLIC_URL, which the test server (on a port of its own) leaves at its default.
    await reader.goto(`${t.url}${new URL(url!).pathname}`);
    expect(await reader.locator('article h1').textContent()).toBe('Tides');
    expect(await reader.locator('article').innerText()).toContain('Twice a day, the moon pulls the sea.');
    await reader.close();
    // Revoked, the link no longer opens.
    await page.click('#revoke');
    await page.locator('#share').waitFor();
    expect(await link.isHidden()).toBe(true);
    expect((await fetch(`${t.url}${new URL(url!).pathname}`)).status).toBe(404);

    // The workspace's costs, summed by the server.
    await page.click('#tab-costs');
    await page.locator('#cost-totals', { hasText: /^Last 30 days: 1 run, \$/ }).waitFor();
    await photo.take('costs');

    // A phone's width: nothing wider than the screen.
    await page.click('#tab-runs');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await photo.take('narrow', '#detail');
    expect(problems).toEqual([]);
  } catch (error) {
    await photo.keepAll();
    throw error;
  } finally {
    await page.close();
  }
});

const FAN_OUT = `# City notes
## Inputs
- cities: The cities (string[], required)
## Agents
### Guide
Knows cities.
Model: offline
## Steps
### Visit
Agent: Guide
For each: inputs.cities
Write a line about {{item}}.
### Sum up
Agent: Guide
Condition: steps.visit.output contains "Lyon"
Sum up: {{steps.visit.output}}
`;

it('marks For each and condition steps on the graph, and shows a fan-out as its items done out of all', { timeout: 60_000 }, async () => {
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, await createWorkflowId(t, FAN_OUT), { cities: ['Lyon', 'Oslo', 'Porto'] });
  await watch.until(id, ['completed']);
  await watch.stop();
  const problems: string[] = [];
  const page = await openDashboard(browser, t, problems);
  try {
    await page.locator('#executions button', { hasText: 'City notes' }).click();
    const visit = page.locator('#execution-graph [data-node="visit"]');
    await page.locator('#execution-graph [data-node="visit"][data-status="COMPLETED"]').waitFor();
    expect(await visit.locator('.node-status').textContent()).toBe('3/3 · completed');
    expect(await visit.locator('.node-marks').textContent()).toContain('for each');
    expect(await page.locator('#execution-graph [data-node="sum_up"] .node-marks').textContent()).toContain('if');
    // Its detail lists every item's run.
    await visit.click();
    await page.locator('#node-detail .node-run[data-item="2"]').waitFor();
    expect(await page.locator('#node-detail .node-run .prompt').allTextContents()).toEqual(expect.arrayContaining(['Write a line about Lyon.', 'Write a line about Porto.']));
    // Fork from the node: first what it would run again and keep, then the fork opens.
    await page.locator('#node-detail button', { hasText: 'Fork from here…' }).click();
    await page.locator('#node-detail .fork-preview', { hasText: 'Runs again: visit, sum_up. Keeps: nothing.' }).waitFor();
    await page.locator('#node-detail .fork-confirm').click();
    await page.locator('#lineage', { hasText: `Forked from ${id} at step visit` }).waitFor();
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
});

const JSON_OUTPUT = `# City facts
## Agents
### Guide
Knows cities.
## Steps
### Facts
Agent: Guide
Output: json
Give facts about Lyon.
## Output
steps.facts.output
Type: json
`;

const RunWithBudget = graphql(`
  mutation TestDashboardRunWithBudget($workflowId: ID!) {
    runWorkflow(workflowId: $workflowId, budget: { usd: 2, tokens: 50000 }) { __typename ... on Execution { id } }
  }
`);

it('shows a JSON output as a tree that folds, with the raw text a toggle away, and the run’s budget', { timeout: 60_000 }, async () => {
  const answer = { city: 'Lyon', river: { names: ['Rhône', 'Saône'] }, population: 522_000 };
  fake.reply = () => ({ text: JSON.stringify(answer) });
  const watch = await watchExecutions(t);
  const run = (await t.request(RunWithBudget, { workflowId: await createWorkflowId(t, JSON_OUTPUT) })).body.data!.runWorkflow;
  if (run.__typename !== 'Execution') throw new Error(run.__typename);
  const id = run.id;
  await watch.until(id, ['completed']);
  await watch.stop();
  const problems: string[] = [];
  const page = await openDashboard(browser, t, problems);
  try {
    await page.locator('#executions button', { hasText: 'City facts' }).click();
    const tree = page.locator('#output > details.json');
    await tree.waitFor();
    expect(await tree.locator('> summary').textContent()).toBe('{3 keys}');
    expect(await tree.locator('> ul > li > .json-key').allTextContents()).toEqual(['city: ', 'river: ', 'population: ']);
    expect(await tree.locator('.json-string').first().textContent()).toBe('"Lyon"');
    // Folded and unfolded by its summary.
    const river = tree.locator('> ul > li:nth-child(2) > details.json');
    await river.locator('> summary').click();
    expect(await river.getAttribute('open')).toBeNull();
    await page.locator('#detail .output-view .raw-toggle').first().click();
    expect(JSON.parse((await page.locator('#detail .output-view .raw').first().textContent())!)).toEqual(answer);
    expect(await page.locator('#budget').textContent()).toMatch(/^Budget \$2 and 50,000 tokens · spent \$0\.\d{4}, 37 tokens$/);
    expect(problems).toEqual([]);
  } finally {
    await page.close();
  }
});
