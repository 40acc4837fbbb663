import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openDashboard, pageWatchesAnExecution } from '../support/dashboard.ts';
import { FakeAnthropic, type LoggedRequest } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId } from '../support/runs.ts';

// Recipes on the dashboard, in a real browser on the real server: created through the API, listed,
// run from the form of their inputs, watched live. Only the model is the local fake of the Anthropic API.

const fake = new FakeAnthropic();
let t: TestApp;
let browser: Browser;
let archivist: string;
/** Lets a held model answer go on (also at the end, so a failed test does not leave it hanging). */
let release = () => {};
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  browser = await launchBrowser();
  const agent = async (name: string) => (await rest(t, 'POST', '/api/agents', { name, description: `${name} of briefs.`, model: 'haiku' })).body.id as string;
  const [researcher, writer] = [await agent('Researcher'), await agent('Writer')];
  archivist = await agent('Archivist');
  const created = await rest(t, 'POST', '/api/workflow-recipes', {
    template_id: 'brief',
    name: 'Research brief',
    description: 'Researches a topic, then writes a brief a person approves.',
    tags: ['research', 'writing'],
    inputs: {
      topic: { type: 'string', required: true, description: 'What to research' },
      tone: { type: 'string', enum: ['plain', 'lively'], default: 'plain' },
      words: { type: 'number', default: 120 },
      angles: { type: 'array', description: 'Angles to cover' },
      formats: { type: 'array', enum: ['memo', 'slides', 'email'], default: ['memo'] },
      strict: { type: 'boolean' },
      extra: { type: 'object' },
    },
    steps: [
      { step_id: 'Research', order: 1, agent_id: researcher, prompt_template: 'Research {input.topic} in {input.words} words.' },
      { step_id: 'Write', order: 2, agent_id: writer, prompt_template: 'Write a {input.tone} brief.', requires_approval: true },
    ],
  });
  expect(created.status).toBe(201);
  // Private recipes are the workspace's too.
  const note = await rest(t, 'POST', '/api/workflow-recipes', { template_id: 'note', name: 'Tiny note', is_public: false, steps: [{ step_id: 'Note', order: 1, agent_id: archivist, prompt_template: 'Note it.' }] });
  expect(note.status).toBe(201);
});
afterAll(async () => {
  release();
  await browser?.close();
  await t?.stop();
  await fake.close();
});

const Execution = graphql(`
  query TestDashboardRecipeExecution($id: ID!) {
    execution(id: $id) {
      inputs
      recipeId
      workflowId
      status
    }
  }
`);

const ExecutionCount = graphql(`
  query TestDashboardExecutionCount {
    executions {
      totalCount
    }
  }
`);

const executionCount = async () => (await t.request(ExecutionCount)).body.data!.executions.totalCount;
const userText = (request: LoggedRequest) => JSON.stringify(request.body.messages);

/** On a timeout, says what the page showed instead. */
async function waitShowing(page: Page, problems: string[], wait: Promise<unknown>): Promise<void> {
  await wait.catch(async (error: Error) => {
    throw new Error(`${error.message}\npage showed: ${await page.locator('main').innerText()}\nproblems: ${problems.join('; ')}`);
  });
}

describe('recipes on the dashboard', () => {
  it('lists them, refuses bad inputs with the reason, and runs one from its form live to completion', async () => {
    const problems: string[] = [];
    const page = await openDashboard(browser, t, problems);

    const brief = page.locator('.recipe[data-template-id="brief"]');
    await brief.waitFor();
    expect(await brief.innerText()).toMatch(/Research brief[\s\S]*Researches a topic, then writes a brief a person approves\.[\s\S]*2 steps/);
    expect(await brief.locator('.tag').allTextContents()).toEqual(['research', 'writing']);
    expect(await page.locator('.recipe[data-template-id="note"] .meta').textContent()).toBe('1 step');
    // By name.
    expect(await page.locator('.recipe strong').allTextContents()).toEqual(['Research brief', 'Tiny note']);

    // The form of its inputs: types, required, defaults and enums from the plan.
    await brief.locator('.run-recipe').click();
    const field = (name: string) => page.locator(`#run-inputs [name="${name}"]`);
    await field('topic').waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('topic');
    expect(await page.locator('#run-inputs .field[data-input="topic"] label').textContent()).toBe('topic text, required');
    expect(await page.locator('#run-inputs .field[data-input="topic"] .hint').textContent()).toBe('What to research');
    expect(await field('tone').locator('option').allTextContents()).toEqual(['plain', 'lively']);
    expect(await field('tone').locator('option:checked').textContent()).toBe('plain');
    expect(await field('words').inputValue()).toBe('120');
    expect(await field('words').getAttribute('type')).toBe('number');
    expect(await field('strict').locator('option').allTextContents()).toEqual(['—', 'true', 'false']);
    expect(await field('formats').locator('option:checked').allTextContents()).toEqual(['memo']);
    expect(await page.locator('#run-inputs label').allTextContents()).toEqual([
      'topic text, required',
      'tone text',
      'words number',
      'angles list, one item a line',
      'formats list, pick any (Ctrl- or ⌘-click)',
      'strict true or false',
      'extra JSON object',
    ]);

    // What the form cannot read is named before anything is sent.
    await field('extra').fill('{"a": ');
    await page.click('#run');
    await page.locator('#run-message', { hasText: 'Check the inputs:' }).waitFor();
    expect(await page.locator('#run-message').textContent()).toContain('input "extra" is not valid JSON');
    expect(await field('extra').getAttribute('aria-invalid')).toBe('true');
    await field('extra').fill('');

    // What the server refuses is named, at the field too, and nothing starts.
    await page.click('#run');
    await page.locator('#run-message', { hasText: 'Invalid inputs:' }).waitFor();
    expect(await page.locator('#run-message').textContent()).toBe('Invalid inputs:\n• missing required input "topic" (string)');
    expect(await page.locator('#run-inputs .field[data-input="topic"] .error').textContent()).toBe('missing required input "topic" (string)');
    expect(await field('topic').getAttribute('aria-invalid')).toBe('true');
    expect(await field('extra').getAttribute('aria-invalid')).toBeNull();
    expect(await executionCount()).toBe(0);
    expect(await page.locator('#executions li').count()).toBe(0);

    // The research step streams, held after three words, once the page watches the run.
    const released = new Promise<void>((resolve) => (release = resolve));
    const watching = pageWatchesAnExecution(t);
    const answer = 'alpha beta gamma delta';
    fake.reply = (request) =>
      userText(request).includes('Research tides') ? { text: answer, after: watching, pause: { afterDeltas: 3, until: released } } : { text: 'A lively brief.' };
    await field('topic').fill('tides');
    await field('tone').selectOption({ label: 'lively' });
    await field('words').fill('90');
    await field('angles').fill('cost\n\n  risk \n');
    await field('strict').selectOption({ label: 'true' });
    await field('formats').selectOption([{ label: 'memo' }, { label: 'email' }]);
    await page.click('#run');

    const research = page.locator('.step[data-step="research"]');
    await waitShowing(page, problems, research.locator('.output', { hasText: 'alpha beta gamma' }).waitFor());
    expect(await research.locator('.output').textContent()).toBe('alpha beta gamma ');
    expect(await research.locator('.status').textContent()).toBe('RUNNING');
    expect(await research.locator('.agent').textContent()).toBe('Researcher');
    expect(await research.locator('.step-title').textContent()).toBe('Research');
    expect(await page.locator('#execution-status').textContent()).toBe('RUNNING');
    expect(await page.locator('#detail h3').textContent()).toBe('Research brief');
    expect(await page.locator('#detail .kind').isVisible()).toBe(true);
    expect(await page.locator('#run-message').textContent()).toMatch(/^Started exec_/);

    release();
    const write = page.locator('.step[data-step="write"]');
    await write.locator('.status', { hasText: 'AWAITING_APPROVAL' }).waitFor();
    expect(await research.locator('.status').textContent()).toBe('COMPLETED');
    expect(await research.locator('.output').textContent()).toBe(answer);
    expect(await write.locator('.output').textContent()).toBe('A lively brief.');
    await write.locator('button.approve').click();
    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    expect(await page.locator('#output').textContent()).toBe('A lively brief.');
    expect(await research.locator('.meta').textContent()).toMatch(/in \/ \d+ out tokens/);
    expect(await page.locator('#stop').isHidden()).toBe(true);

    // Listed with the others, marked as a recipe's.
    const listed = page.locator('#executions button', { hasText: 'Research brief' });
    await listed.locator('.status', { hasText: 'COMPLETED' }).waitFor();
    expect(await listed.locator('.kind').textContent()).toBe('recipe');

    // The inputs reached the run as their types.
    const id = (await listed.getAttribute('data-id'))!;
    const execution = (await t.request(Execution, { id })).body.data!.execution!;
    expect(execution).toMatchObject({ workflowId: null, status: 'COMPLETED' });
    expect(execution.recipeId).toMatch(/^rcp_/);
    expect(execution.inputs).toEqual({ topic: 'tides', tone: 'lively', words: 90, angles: ['cost', 'risk'], formats: ['memo', 'email'], strict: true, extra: null });
    expect(fake.requests.some((request) => userText(request).includes('Research tides in 90 words.'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('stops a recipe run, names an agent that can no longer run, and lists workflow and recipe runs together', async () => {
    const problems: string[] = [];
    const workflowId = await createWorkflowId(t, '# Plain Workflow\nRuns offline.\n## Agents\n### Scribe\nWrites.\nModel: offline\n## Steps\n### Jot\nAgent: Scribe\nJot something.\n');
    const page = await openDashboard(browser, t, problems);

    fake.reply = () => ({ hang: true });
    const requested = fake.request(fake.requests.length + 1);
    await page.locator('.recipe[data-template-id="note"] .run-recipe').click();
    expect(await page.locator('#run-inputs .field').count()).toBe(0);
    expect(await page.locator('#target-about').textContent()).toBe('Recipe. No inputs.');
    await page.click('#run');
    await requested;
    await waitShowing(page, problems, page.locator('.step[data-step="note"] .status', { hasText: 'RUNNING' }).waitFor());
    await page.click('#stop');
    await page.locator('#execution-status', { hasText: 'STOPPED' }).waitFor();

    // Deactivated after the page loaded: the run is refused, naming the agent and why.
    expect((await rest(t, 'PUT', `/api/agents/${archivist}`, { status: 'inactive' })).status).toBe(200);
    const before = await executionCount();
    await page.click('#run');
    await page.locator('#run-message', { hasText: 'Recipe cannot run:' }).waitFor();
    expect(await page.locator('#run-message').textContent()).toMatch(/^Recipe cannot run:\n• Recipe note cannot run as its agents are now: steps\[0\]\.agent_id: Agent `Archivist` .* is inactive/);
    expect(await executionCount()).toBe(before);

    // A workflow created after the page loaded shows after Refresh; its runs list beside the recipes' (workflowId null).
    await page.click('#refresh');
    await page.locator('#target option', { hasText: 'Plain Workflow' }).waitFor({ state: 'attached' });
    expect(await page.locator('#target optgroup').evaluateAll((groups) => groups.map((group) => group.getAttribute('label')))).toEqual(['Workflows', 'Recipes']);
    // The chosen recipe stays chosen.
    expect(await page.locator('#target option:checked').textContent()).toBe('Tiny note');
    await page.selectOption('#target', `workflow:${workflowId}`);
    await page.click('#run');
    await page.locator('#detail h3', { hasText: 'Plain Workflow' }).waitFor();
    await page.locator('#execution-status', { hasText: 'COMPLETED' }).waitFor();
    const rows = page.locator('#executions button');
    await rows.filter({ hasText: 'Plain Workflow' }).locator('.status', { hasText: 'COMPLETED' }).waitFor();
    expect(await rows.filter({ hasText: 'Plain Workflow' }).locator('.kind').count()).toBe(0);
    expect(await rows.filter({ hasText: 'Research brief' }).locator('.kind').textContent()).toBe('recipe');
    expect(await rows.filter({ hasText: 'Tiny note' }).locator('.status').textContent()).toBe('STOPPED');
    expect(problems).toEqual([]);
    await page.close();
  });
});
