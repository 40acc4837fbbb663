import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard as openPage, pageWatchesAnExecution } from '../support/dashboard.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId } from '../support/runs.ts';

// A real browser on the real server; only the model is the local fake of the Anthropic API.

const markdown = `# Reviewed Note
A note a person checks before it counts.
## Inputs
- topic: The topic (string, required)
## Agents
### Writer
Writes short notes.
Model: Haiku
## Steps
### Draft
Agent: Writer
Approval: required
Write a note about {{inputs.topic}}.
## Output
steps.draft.output
`;
// Markup in model output: the rendered output keeps formatting (sanitized as on the share page),
// nothing of it runs, and no image loads; the steps' streamed text stays text.
const answer = 'alpha beta gamma <b>bold</b> <img src=x onerror=window.pwned=1> omega';

const fake = new FakeAnthropic();
let t: TestApp;
let browser: Browser;
/** Lets a held model answer go on (also at the end, so a failed test does not leave it hanging). */
let release = () => {};
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  browser = await launchBrowser();
  await createWorkflowId(t, markdown);
});
afterAll(async () => {
  release();
  await browser?.close();
  await t?.stop();
  await fake.close();
});

/** The dashboard with the workflow chosen in its run form. */
async function openDashboard(problems: string[]): Promise<Page> {
  const page = await openPage(browser, t, problems);
  await page.locator('#target option', { hasText: 'Reviewed Note' }).waitFor({ state: 'attached' });
  await page.selectOption('#target', { label: 'Reviewed Note' });
  return page;
}

async function runFromPage(page: Page, topic: string): Promise<void> {
  await page.fill('#run-inputs [name="topic"]', topic);
  await page.click('#run');
}

describe('GET /dashboard', () => {
  it('is public and forbids everything but its own script, style and connections', async () => {
    const response = await fetch(`${t.url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    // Its own files, and the one inline script (the import map) by hash.
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+';/);
    expect(policy).toContain("style-src 'self';");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toContain('unsafe');
    expect(await response.text()).toContain('<title>Baton dashboard</title>');
  });

  it('serves its own files at versioned URLs, refuses any other name with a 404, and offers the example workflows', async () => {
    const page = await (await fetch(`${t.url}/dashboard`)).text();
    const urls = [...page.matchAll(/"(\/dashboard\/assets\/[\w.-]+\?v=[\w-]+)"/g)].map(([, url]) => url);
    expect(urls.some((url) => url.startsWith('/dashboard/assets/app.js?v='))).toBe(true);
    expect(urls.some((url) => url.startsWith('/dashboard/assets/dagre.js?v='))).toBe(true);
    for (const url of urls) {
      const response = await fetch(`${t.url}${url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toContain('immutable');
      expect(response.headers.get('content-type')).toMatch(/^text\/(javascript|css); charset=utf-8$/);
    }
    for (const name of ['nothing.js', '..%2Fdashboard.html', '..%2F..%2Fpackage.json', 'dashboard.html', '%00']) {
      const response = await fetch(`${t.url}/dashboard/assets/${name}`);
      expect([400, 404]).toContain(response.status);
    }
    const templates = (await (await fetch(`${t.url}/dashboard/templates`)).json()) as { name: string; title: string; markdown: string }[];
    expect(templates.length).toBeGreaterThan(5);
    expect(templates.find((template) => template.name === 'relay')?.markdown).toMatch(/^# /);
  });

  it('starts a run, streams its tokens live, approves it and shows it complete', async () => {
    const released = new Promise<void>((resolve) => (release = resolve));
    // The model answers once the page watches the run, and holds its answer after three words.
    const watching = pageWatchesAnExecution(t);
    fake.reply = () => ({ text: answer, after: watching, pause: { afterDeltas: 3, until: released } });
    const problems: string[] = [];
    const page = await openDashboard(problems);
    await runFromPage(page, 'tides');

    const draft = page.locator('.step[data-step="draft"]');
    await draft.locator('.status', { hasText: 'RUNNING' }).waitFor();
    await draft.locator('.output', { hasText: 'alpha beta gamma' }).waitFor();
    // Mid-answer: only the words streamed so far, while the step still runs.
    expect(await draft.locator('.output').textContent()).toBe('alpha beta gamma ');
    expect(await draft.locator('.status').textContent()).toBe('RUNNING');
    expect(await page.locator('#execution-status').textContent()).toBe('RUNNING');
    await page.locator('#executions button', { hasText: 'Reviewed Note' }).waitFor();

    release();
    await draft.locator('.status', { hasText: 'AWAITING_APPROVAL' }).waitFor();
    expect(await draft.locator('.output').textContent()).toBe(answer);
    expect(await page.locator('#execution-status').textContent()).toBe('AWAITING_APPROVAL');
    await draft.locator('.reason').fill('Reads well.');
    await draft.locator('button.approve').click();

    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    await draft.locator('.status', { hasText: 'COMPLETED' }).waitFor();
    expect(await page.locator('#output b').textContent()).toBe('bold');
    // markdown-it reads the image tag (its unquoted value holds "=") as text, so it shows as text.
    expect(await page.locator('#output').innerText()).toBe('alpha beta gamma bold <img src=x onerror=window.pwned=1> omega');
    await page.locator('#detail .raw-toggle').first().click();
    expect(await page.locator('#detail .output-view .raw').first().textContent()).toBe(answer);
    expect(await draft.locator('.meta').textContent()).toMatch(/25 in \/ 12 out tokens .*started .* · took .* · approved: Reads well\./);
    expect(await page.locator('#stop').isHidden()).toBe(true);
    await page.locator('#executions button', { hasText: 'COMPLETED' }).waitFor();
    expect(await page.locator('#detail img, #detail [onerror], #steps b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);

    // The credentials stay in the browser: a reload connects again by itself.
    await page.reload();
    await page.locator('#connection', { hasText: /^Live: tenant/ }).waitFor();
    expect(await page.inputValue('#tenant-id')).toBe(t.tenant.tenantId);
    await page.locator('#executions button', { hasText: 'COMPLETED' }).waitFor();
    await page.close();
  });

  it('stops a run from the page', async () => {
    fake.reply = () => ({ hang: true });
    const problems: string[] = [];
    const page = await openDashboard(problems);
    const requested = fake.request(fake.requests.length + 1);
    await runFromPage(page, 'stopping');
    await requested;
    // On a timeout, say what the page showed instead.
    await page
      .locator('.step[data-step="draft"] .status', { hasText: 'RUNNING' })
      .waitFor()
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\npage showed: ${await page.locator('main').innerText()}\nproblems: ${problems.join('; ')}`);
      });
    await page.click('#stop');
    await page.locator('#execution-status', { hasText: 'STOPPED' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
