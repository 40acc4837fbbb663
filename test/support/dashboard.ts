import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestApp } from './app.ts';
import { CHROMIUM } from './chromium.ts';

export const launchBrowser = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });

/** Resolves when someone subscribes to an execution's events (the page, once it shows a run). */
export const pageWatchesAnExecution = (t: TestApp) =>
  new Promise<void>((resolve) => {
    const listener = (topic: string) => {
      if (!topic.startsWith('baton:executionEvent:')) return;
      t.app.pubsub.activity.off('subscribed', listener);
      resolve();
    };
    t.app.pubsub.activity.on('subscribed', listener);
  });

/**
 * A fresh dashboard page, connected live with the tenant's credentials; collects page errors and
 * console errors (CSP violations show there) into `problems`.
 */
export async function openDashboard(browser: Browser, t: TestApp, problems: string[]): Promise<Page> {
  const page = await browser.newPage();
  // Under the test's own timeout, so a wait that fails names what it waited for.
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  await page.goto(`${t.url}/dashboard`);
  await page.fill('#api-key', t.tenant.apiKey);
  await page.fill('#tenant-id', t.tenant.tenantId);
  await page.click('#connect');
  await page.locator('#connection', { hasText: /^Live: tenant/ }).waitFor();
  return page;
}
