import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser } from '../support/dashboard.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// A real browser on the real server, cut off from every other origin: GraphiQL must come whole
// from Baton, as on a machine without internet.

let t: TestApp;
let browser: Browser;
let workflowId: string;
beforeAll(async () => {
  t = await startTestApp();
  browser = await launchBrowser();
  workflowId = await createWorkflowId(t, '# Echo\nSays hello.\n## Agents\n### Writer\nWrites.\n## Steps\n### Say\nAgent: Writer\nSay hello.\n## Output\nsteps.say.output\n');
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/**
 * A fresh browser page on which any request to another origin is aborted and recorded in `outside`;
 * page errors and console errors (CSP violations show there) go to `problems`.
 */
async function offlinePage(outside: string[], problems: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  await page.route('**', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === t.url) return route.continue();
    outside.push(url);
    return route.abort('internetdisconnected');
  });
  return page;
}

/** GraphiQL is up once its run button shows and the schema has loaded (the Docs explorer lists Query). */
async function graphiqlReady(page: Page): Promise<void> {
  await page.locator('.graphiql-execute-button').waitFor();
  // GraphiQL remembers an open explorer across loads.
  const show = page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
  if (await show.isVisible()) await show.click();
  await page.locator('.graphiql-doc-explorer', { hasText: 'Query' }).waitFor();
}

const response = (page: Page) => page.locator('.graphiql-response');

/** Resolves when a subscription to the tenant's execution updates is open on the server. */
const updatesSubscribed = () =>
  new Promise<void>((resolve) => {
    const listener = (topic: string) => {
      if (topic !== `baton:executionUpdated:${t.tenant.tenantId}`) return;
      t.app.pubsub.activity.off('subscribed', listener);
      resolve();
    };
    t.app.pubsub.activity.on('subscribed', listener);
  });

/** GraphiQL showing a subscription to execution updates, with these credentials (if any) in the key box. */
async function subscriptionPage(outside: string[], problems: string[], stored?: { key: string; tenant: string }): Promise<Page> {
  const page = await offlinePage(outside, problems);
  await page.goto(`${t.url}/graphql`);
  if (stored) {
    await page.evaluate(({ key, tenant }) => {
      localStorage.setItem('baton.apiKey', key);
      localStorage.setItem('baton.tenantId', tenant);
    }, stored);
  }
  await page.goto(`${t.url}/graphql?query=${encodeURIComponent('subscription Updates { executionUpdates { executionId status } }')}`);
  await graphiqlReady(page);
  return page;
}

/** Runs the page's subscription and checks an execution started meanwhile shows in its result. */
async function showsExecutionUpdates(page: Page): Promise<void> {
  const subscribed = updatesSubscribed();
  await page.click('.graphiql-execute-button');
  await subscribed;
  const executionId = await startExecutionId(t, workflowId);
  await response(page).filter({ hasText: executionId }).waitFor();
}

describe('GraphiQL at /graphql', () => {
  it('is served with a CSP that names no other origin and allows no inline script', async () => {
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy')!;
    const sources = policy.split(';').flatMap((directive) => directive.trim().split(/\s+/).slice(1));
    // Keywords ('self', 'none', 'unsafe-inline') and data: only: no host, no scheme such as https: or ws:.
    expect(sources.filter((source) => !/^'[a-z-]+'$/.test(source) && source !== 'data:')).toEqual([]);
    expect(policy).toMatch(/(^|; )script-src 'self'(;|$)/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    // Every file the page names is this server's, and is there.
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      expect(file).toMatch(/^\/graphiql\//);
      expect((await fetch(`${t.url}${file}`)).status, file).toBe(200);
    }
  });

  it('renders offline, takes a pasted key and runs its default query', async () => {
    const outside: string[] = [];
    const problems: string[] = [];
    const page = await offlinePage(outside, problems);
    await page.goto(`${t.url}/graphql`);
    await graphiqlReady(page);
    // The text of credentials.json, pasted into the key box, fills both boxes.
    await page.fill('#api-key', JSON.stringify({ tenant_id: t.tenant.tenantId, api_key: t.tenant.apiKey }));
    await expect.poll(() => page.inputValue('#tenant-id')).toBe(t.tenant.tenantId);
    expect(await page.inputValue('#api-key')).toBe(t.tenant.apiKey);
    await Promise.all([page.waitForEvent('load'), page.click('#use')]);
    await graphiqlReady(page);
    await page.click('.graphiql-editor-tools button[data-name="headers"]');
    await page.locator('.graphiql-editor-tool[aria-label="Headers"]', { hasText: t.tenant.tenantId }).waitFor();
    await page.click('.graphiql-execute-button');
    // The tenant's real name and its workflow.
    await response(page).filter({ hasText: '"test tenant"' }).waitFor();
    await response(page).filter({ hasText: '"Echo"' }).waitFor();
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('runs subscriptions over WebSocket with the key from the box', async () => {
    const outside: string[] = [];
    const problems: string[] = [];
    const page = await subscriptionPage(outside, problems, { key: t.tenant.apiKey, tenant: t.tenant.tenantId });
    await showsExecutionUpdates(page);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sends the Headers tab as edited in the WebSocket’s connection_init', async () => {
    const problems: string[] = [];
    // No key in the box: the credentials are written in the tab.
    const page = await subscriptionPage([], problems);
    await page.click('.graphiql-editor-tools button[data-name="headers"]');
    await page.click('.monaco-editor[data-uri$="-request-headers.json"] .view-lines');
    await page.keyboard.press('Control+A');
    // A paste, as a person would: typed text gets the editor's closing quotes and brackets.
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, JSON.stringify(credentialsOf(t.tenant)));
    await showsExecutionUpdates(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});
