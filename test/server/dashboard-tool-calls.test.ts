import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTools } from '../../src/agents/tools.ts';
import type { JsonValue } from '../../src/compiler/plan.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard } from '../support/dashboard.ts';
import { FakeAnthropic, type LoggedRequest, type Reply } from '../support/fake-anthropic.ts';
import { createWorkflowId } from '../support/runs.ts';

// A step's tool calls on the dashboard, in a real browser on the real server: the model (the local
// fake of the Anthropic API) calls in-process tools of the alias `library`, one of which fails.

const markdown = `# Researched Answer
Answers a question from the library.
## Inputs
- question: The question (string, required)
## Agents
### Researcher
Looks things up.
Model: Haiku
Tools: library
## Steps
### Answer
Agent: Researcher
Approval: required
Answer: {{inputs.question}}
## Output
steps.answer.output
`;

// What the tools answer: structured content, markup that must stay text, and a long text with a
// word far wider than the page.
const facts = { title: 'Tides', facts: ['The moon pulls the sea.', 'Two tides a day.'], depth: { metres: 4.5 } };
const markup = 'Quoted: <img src=x onerror=alert(1)> <b>bold</b> <script>window.pwned = 1</script>';
const longPage = [...Array.from({ length: 40 }, (_, i) => `line ${i + 1}: the tide comes in, the tide goes out.`), 'z'.repeat(3000), 'THE END'].join('\n');

const tools = new LocalTools();
const tool = (name: string, description: string, run: () => Promise<JsonValue>) =>
  tools.register('library', { name, description, inputSchema: { type: 'object', properties: { query: { type: 'string' } } } }, run);
tool('lookup', 'Looks a topic up.', async () => {
  // Long enough that its duration is not 0 ms.
  await new Promise((resolve) => setTimeout(resolve, 30));
  return facts;
});
tool('quote', 'Quotes a source.', async () => markup);
tool('page', 'Reads a page.', async () => longPage);
tool('broken', 'Reads the archive.', async () => {
  throw new Error('The archive is offline (503)');
});

const calls = [
  { name: 'library__lookup', input: { query: 'tides', limit: 2, filters: { kind: ['fact'] } } },
  { name: 'library__quote', input: { query: 'html' } },
  { name: 'library__page', input: { query: 'https://example.org/tides' } },
  { name: 'library__broken', input: {} },
];
const answer = 'Tides follow the moon.';

const toolResults = (request: LoggedRequest) =>
  request.body.messages.flatMap((message) => (Array.isArray(message.content) ? (message.content as { type: string }[]).filter((block) => block.type === 'tool_result') : []));

const Execution = graphql(`
  query TestDashboardToolCalls($id: ID!) {
    execution(id: $id) {
      steps { stepId toolCalls { name input output durationMs isError } }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let browser: Browser;
/** Lets the model's held answer go on (also at the end, so a failed test does not leave it hanging). */
let release = () => {};
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url }, tools });
  browser = await launchBrowser();
  await createWorkflowId(t, markdown);
});
afterAll(async () => {
  release();
  await browser?.close();
  await t?.stop();
  await fake.close();
});

/** On a timeout, says what the page showed instead. */
async function waitShowing(page: Page, problems: string[], wait: Promise<unknown>): Promise<void> {
  await wait.catch(async (error: Error) => {
    throw new Error(`${error.message}\npage showed: ${await page.locator('main').innerText()}\nproblems: ${problems.join('; ')}`);
  });
}

/** Whether anything on the page is wider than the window (a long result must wrap or scroll in its box). */
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth || document.body.scrollWidth > document.body.clientWidth);

describe('tool calls on the dashboard', () => {
  it('shows each call of a step with its name, arguments, result and duration, failures marked, all as text', async () => {
    const released = new Promise<void>((resolve) => (release = resolve));
    // The model calls the tools one after the other, then holds its answer until released.
    fake.reply = (request): Reply => {
      const next = calls[toolResults(request).length];
      return next ? { toolUse: next } : { text: answer, after: released };
    };
    const problems: string[] = [];
    const page = await openDashboard(browser, t, problems);
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.locator('#target option', { hasText: 'Researched Answer' }).waitFor({ state: 'attached' });
    await page.selectOption('#target', { label: 'Researched Answer' });
    await page.fill('#run-inputs [name="question"]', 'Why are there tides?');
    const answering = fake.request(calls.length + 1);
    await page.click('#run');

    // Every call has run and the model is answering: the step runs, and its calls are not stored yet.
    await answering;
    const step = page.locator('.step[data-step="answer"]');
    await waitShowing(page, problems, step.locator('.status', { hasText: 'RUNNING' }).waitFor());
    expect(await step.locator('.tool-calls').isHidden()).toBe(true);

    // With the step's result, its calls show, in order.
    release();
    await waitShowing(page, problems, step.locator('.status', { hasText: 'AWAITING_APPROVAL' }).waitFor());
    const items = step.locator('.tool-call');
    await waitShowing(page, problems, items.nth(3).waitFor());
    expect(await step.locator('.tool-calls > summary').textContent()).toBe('4 tool calls · 1 failed');
    expect(await items.locator('.tool-name').allTextContents()).toEqual(calls.map((call) => call.name));
    expect(await step.locator('.output').textContent()).toBe(answer);

    // Arguments and structured results as pretty JSON (as stored: jsonb orders keys), durations as recorded.
    const id = (await page.locator('#executions button[aria-current="true"]').getAttribute('data-id'))!;
    const recorded = (await t.request(Execution, { id })).body.data!.execution!.steps[0].toolCalls;
    const lookup = step.locator('.tool-call[data-tool="library__lookup"]');
    const input = (await lookup.locator('.call-input').textContent())!;
    expect(JSON.parse(input)).toEqual(calls[0].input);
    expect(input).toBe(JSON.stringify(recorded[0].input, null, 2));
    expect(await lookup.locator('.call-result').textContent()).toBe(JSON.stringify(recorded[0].output, null, 2));
    expect(JSON.parse((await lookup.locator('.call-result').textContent())!)).toEqual(facts);
    expect(await lookup.locator('.call-label').allTextContents()).toEqual(['Arguments', 'Result']);
    expect(await lookup.locator('button.more').count()).toBe(0);
    expect(recorded.map((call) => call.isError)).toEqual([false, false, false, true]);
    expect(recorded[0].durationMs).toBeGreaterThanOrEqual(25);
    expect(await items.locator('.duration').allTextContents()).toEqual(recorded.map((call) => `${call.durationMs} ms`));

    // Markup in a result is text: no element made of it, nothing run.
    const quote = step.locator('.tool-call[data-tool="library__quote"]');
    expect(await quote.locator('.call-result').textContent()).toBe(markup);
    expect(await page.locator('#detail img, #detail b, #detail script').count()).toBe(0);

    // A failed call is marked as an error, with the tool's message; the others are not.
    const broken = step.locator('.tool-call[data-tool="library__broken"]');
    expect(await broken.getAttribute('class')).toBe('tool-call failed');
    expect(await broken.locator('.call-failed').textContent()).toBe('error');
    expect(await broken.locator('.call-label').allTextContents()).toEqual(['Arguments', 'Error']);
    expect(await broken.locator('.call-result').textContent()).toBe('The archive is offline (503)');
    expect(await broken.locator('.call-input').textContent()).toBe('{}');
    expect(await step.locator('.call-failed').count()).toBe(1);
    expect(await broken.evaluate((node) => getComputedStyle(node).borderLeftColor)).toBe('rgb(179, 38, 30)');

    // A long result shows its start and opens in full on request, without widening the page.
    const long = step.locator('.tool-call[data-tool="library__page"]');
    const shown = await long.locator('.call-result').textContent();
    expect(shown).toBe(`${longPage.split('\n').slice(0, 12).join('\n')}…`);
    expect(await long.locator('button.more').textContent()).toBe(`Show all (${longPage.length.toLocaleString('en')} characters)`);
    expect(await overflows(page)).toBe(false);
    await long.locator('button.more').click();
    expect(await long.locator('.call-result').textContent()).toBe(longPage);
    expect(await long.locator('button.more').getAttribute('aria-expanded')).toBe('true');
    expect(await overflows(page)).toBe(false);
    // Its box scrolls rather than growing with the text.
    expect(await long.locator('.call-result').evaluate((node) => node.scrollHeight > node.clientHeight && node.clientWidth <= (node.parentElement?.clientWidth ?? 0))).toBe(true);

    // Approving reloads the step; the calls stay as they were, the long one still open.
    await step.locator('button.approve').click();
    await waitShowing(page, problems, page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor());
    await step.locator('.status', { hasText: 'COMPLETED' }).waitFor();
    expect(await items.count()).toBe(4);
    expect(await long.locator('.call-result').textContent()).toBe(longPage);
    await long.locator('button.more', { hasText: 'Show less' }).click();
    expect(await long.locator('.call-result').textContent()).toBe(shown);

    // A finished execution opened afresh shows them too.
    await page.reload();
    await page.locator('#connection', { hasText: /^Live: tenant/ }).waitFor();
    await page.locator('#executions button', { hasText: 'Researched Answer' }).click();
    await waitShowing(page, problems, items.nth(3).waitFor());
    expect(await items.locator('.tool-name').allTextContents()).toEqual(calls.map((call) => call.name));
    expect(await step.locator('.tool-call.failed .tool-name').textContent()).toBe('library__broken');
    expect(await quote.locator('.call-result').textContent()).toBe(markup);

    expect(await page.locator('#detail img, #detail b, #detail script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });
});
