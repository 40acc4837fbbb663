import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalTools } from '../../src/agents/tools.ts';
import { DEFAULT_MODELS } from '../../src/compiler/models.ts';
import type { JsonValue } from '../../src/compiler/plan.ts';
import { graphql } from '../../src/generated/graphql/gql.ts';
import type { RecipeFixtureRunQuery } from '../../src/generated/graphql/graphql.ts';
import { compileRecipe } from '../../src/recipes/compile.ts';
import { startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, type LoggedRequest, type Reply } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { loadRecipeFixtures, withAgentIds, type RecipeFixture } from './recipe-fixtures.ts';

// Every recipe in test/fixtures/recipes runs end to end through the recipe API, with the offline
// model and with Claude (the local fake of the Messages API through the real SDK); each test checks
// what a user of its recipe would notice.

const fixtures = loadRecipeFixtures();
const fixture = (name: string) => fixtures.find((f) => f.name === name)!;

const RunDetail = graphql(`
  query RecipeFixtureRun($id: ID!) {
    execution(id: $id) {
      status
      plan { steps { id title } }
      steps { stepId status attempts prompt output error toolCalls { name input output } }
      events { seq kind payload at }
    }
  }
`);

const Events = graphql(`
  subscription RecipeFixtureEvents($executionId: ID!) {
    executionEvents(executionId: $executionId, afterSeq: 0) { kind payload }
  }
`);

type Execution = NonNullable<RecipeFixtureRunQuery['execution']>;
type Event = Execution['events'][number];
interface StepResult {
  step_id: string;
  order: number;
  status: string;
  output: string | null;
  error: string | null;
  retries: number;
  started_at: string | null;
  completed_at: string | null;
  tool_calls: { action: string; params: unknown; result: unknown; duration_ms: number | null }[];
}

/** The prompt a request started from (the first user message; tool turns add more). */
const promptOf = (request: LoggedRequest) => request.body.messages[0].content as string;

/** The tool results a request sends back to the model, as text. */
const toolResultsOf = (request: LoggedRequest) =>
  request.body.messages.flatMap((message) => (Array.isArray(message.content) ? (message.content as { type: string; content?: string }[]) : [])).filter((block) => block.type === 'tool_result').map((block) => block.content);

/** Claude as the fake plays it: one tool call when tools are offered, then an answer quoting what the tool said; else an answer that names the request. */
function claude(request: LoggedRequest, index: number): Reply {
  const tools = request.body.tools ?? [];
  const results = toolResultsOf(request);
  if (tools.length > 0 && results.length === 0) {
    const name = tools[0].name;
    return { toolUse: { name, input: name === 'currency__convert_currency' ? { amount: 1480, from: 'USD', to: 'EUR' } : { query: promptOf(request).slice(0, 60) } } };
  }
  if (results.length > 0) return { text: `Claude #${index}, from the tool: ${results.join(' ')}` };
  return { text: `Claude #${index} on: ${promptOf(request).slice(0, 50)}` };
}

const overloaded: Reply = { error: { status: 529, type: 'overloaded_error', message: 'Overloaded', retryAfterMs: 1 } };
/** A new attempt of a step (not one of the SDK's own retries of a request). */
const firstTry = (request: LoggedRequest) => request.headers['x-stainless-retry-count'] === '0';

/** The most steps running at once, by the execution's events (a retrying step waits, it does not run). */
function maxRunning(events: Event[]): number {
  const running = new Set<string>();
  let most = 0;
  for (const event of events) {
    const stepId = (event.payload as { stepId?: string }).stepId!;
    if (event.kind === 'STEP_STARTED') running.add(stepId);
    if (['STEP_COMPLETED', 'STEP_FAILED', 'STEP_RETRYING'].includes(event.kind)) running.delete(stepId);
    most = Math.max(most, running.size);
  }
  return most;
}

/** The most model requests in flight at once (received, not yet answered in full). */
function maxInFlight(requests: LoggedRequest[]): number {
  return Math.max(...requests.map((r) => requests.filter((other) => other.receivedAt <= r.receivedAt && r.receivedAt < (other.answeredAt ?? Infinity)).length));
}

/** Each step started only after the one before it had finished. */
function expectOneAfterAnother(results: StepResult[]): void {
  for (let i = 1; i < results.length; i++) {
    expect(Date.parse(results[i].started_at!), `${results[i].step_id} started before ${results[i - 1].step_id} completed`).toBeGreaterThanOrEqual(Date.parse(results[i - 1].completed_at!));
  }
}

describe('the recipe fixtures', () => {
  it('cover a chain, a parallel_limit, retries with a retry_delay, continue, output keys with an outputs schema, and tools; each compiles', () => {
    const config = (f: RecipeFixture) => (f.recipe.execution_config ?? {}) as Record<string, unknown>;
    const steps = (f: RecipeFixture) => f.recipe.steps;
    expect(config(fixture('research-brief')).mode).toBe('sequential');
    expect(steps(fixture('research-brief')).length).toBeGreaterThanOrEqual(4);
    expect(config(fixture('competitor-scan'))).toMatchObject({ mode: 'parallel', parallel_limit: 2 });
    expect(steps(fixture('competitor-scan')).filter((s) => s.order === 1).length).toBeGreaterThan(2);
    expect(config(fixture('supplier-quotes')).retry_delay).toBeGreaterThan(0);
    expect(steps(fixture('supplier-quotes')).some((s) => s.error_handling === 'retry')).toBe(true);
    expect(steps(fixture('release-notes')).some((s) => s.error_handling === 'continue')).toBe(true);
    expect(steps(fixture('lead-qualification')).filter((s) => s.output_key).length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(fixture('lead-qualification').recipe.outputs as object).length).toBeGreaterThan(0);
    expect(Object.values(fixture('trip-budget').agents).filter((a) => a.tools?.length).length).toBe(2);
    for (const f of fixtures) {
      const agents = Object.entries(f.agents).map(([key, a]) => ({ id: key, name: a.name, description: a.description, model: a.model, systemPrompt: a.system_prompt ?? null, tools: a.tools ?? [], maxIterations: a.max_iterations ?? 25, status: 'active' as const }));
      const ids = Object.fromEntries(Object.keys(f.agents).map((key) => [key, key]));
      expect(compileRecipe(withAgentIds(f, ids), agents, DEFAULT_MODELS).problems, f.name).toEqual([]);
    }
  });
});

describe.each([
  ['the offline model', false],
  ['Claude (the fake API)', true],
])('recipe fixtures run with %s', (_, useClaude) => {
  const fake = new FakeAnthropic();
  /** What each test's requests get instead of `claude`'s answer (undefined: claude's). */
  let script: ((request: LoggedRequest, index: number) => Reply | undefined) | undefined;
  const searches: JsonValue[] = [];
  const conversions: JsonValue[] = [];
  let t: TestApp;
  let watch: Awaited<ReturnType<typeof watchExecutions>>;

  beforeAll(async () => {
    await fake.start();
    fake.reply = (request, index) => script?.(request, index) ?? claude(request, index);
    const tools = new LocalTools();
    tools.register('search', { name: 'web_search', description: 'Searches the web.', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }, async (input) => {
      searches.push(input);
      return { results: [{ title: 'Return flight to Lisbon', price: 1480, currency: 'USD' }, { title: 'Hotel Avenida, 4 nights', price: 520, currency: 'EUR' }] };
    });
    tools.register(
      'currency',
      { name: 'convert_currency', description: 'Converts an amount between currencies.', inputSchema: { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount', 'from', 'to'] } },
      async (input) => {
        conversions.push(input);
        return { amount: Math.round((input as { amount: number }).amount * 92) / 100, currency: 'EUR' };
      },
    );
    t = await startTestApp({ env: useClaude ? { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } : {}, tools });
    watch = await watchExecutions(t);
  });
  beforeEach(() => {
    script = undefined;
  });
  afterAll(async () => {
    await watch?.stop();
    await t?.stop();
    await fake.close();
  });

  /** Creates the fixture's agents, then its recipe naming them by their new ids (with `changes` over it); returns its template_id. */
  async function install(f: RecipeFixture, changes: Record<string, unknown> = {}): Promise<string> {
    const ids: Record<string, string> = {};
    for (const [key, agent] of Object.entries(f.agents)) {
      const created = await rest(t, 'POST', '/api/agents', agent);
      expect(created.status, created.body.detail).toBe(201);
      ids[key] = created.body.id;
    }
    const created = await rest(t, 'POST', '/api/workflow-recipes', { ...withAgentIds(f, ids), ...changes });
    expect(created.status, created.body.detail).toBe(201);
    return created.body.template_id;
  }

  /** Starts the recipe through the API, waits for it to finish, and reads it back as the recipe API and GraphQL show it. */
  async function run(templateId: string, inputs: Record<string, unknown>) {
    const before = fake.requests.length;
    const started = await rest(t, 'POST', `/api/workflow-recipes/${templateId}/execute`, { input_data: inputs });
    expect(started.status, started.body.detail).toBe(202);
    const id: string = started.body.recipe_execution_id;
    await watch.until(id, ['completed', 'failed', 'stopped']);
    const detail = (await rest(t, 'GET', `/api/workflow-recipes/${templateId}/executions/${id}`)).body;
    const execution = (await t.request(RunDetail, { id })).body.data!.execution!;
    const requests = fake.requests.slice(before);
    const planId = (title: string) => execution.plan.steps.find((step) => step.title === title)!.id;
    const stepRun = (title: string) => execution.steps.find((step) => step.stepId === planId(title))!;
    return {
      id,
      detail,
      results: detail.step_results as StepResult[],
      execution,
      requests,
      /** The prompt the step was sent, templates rendered. */
      prompt: (title: string) => stepRun(title).prompt,
      output: (title: string) => stepRun(title).output,
      /** The step's events, in order. */
      eventsOf: (title: string) => execution.events.filter((event) => (event.payload as { stepId?: string }).stepId === planId(title)),
      /** The model requests made for the step (every attempt and tool turn). */
      requestsOf: (title: string) => requests.filter((request) => promptOf(request) === stepRun(title).prompt),
      log: async (order: number) => (await rest(t, 'GET', `/api/workflow-recipes/${templateId}/executions/${id}/steps/${order}/logs`)).body.log_data,
    };
  }

  const installed = new Map<string, Promise<string>>();
  /** The fixture's recipe, installed once per app. */
  const recipe = (name: string) => installed.get(name) ?? (installed.set(name, install(fixture(name))), installed.get(name)!);

  it('research-brief: a sequential chain runs one step at a time, in order, each prompt with its templates filled', async () => {
    const f = fixture('research-brief');
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail).toMatchObject({ status: 'completed', current_step: 4, total_steps: 4, error_message: null, input_data: { topic: 'tidal energy in northern Europe', audience: 'executives', words: 300 } });
    expect(r.results.map((s) => [s.step_id, s.order, s.status, s.retries])).toEqual([
      ['Research', 1, 'completed', 0],
      ['Analyse', 2, 'completed', 0],
      ['Draft', 3, 'completed', 0],
      ['Edit', 4, 'completed', 0],
    ]);
    expectOneAfterAnother(r.results);
    expect(maxRunning(r.execution.events)).toBe(1);

    const [research, analyse, draft, edit] = ['Research', 'Analyse', 'Draft', 'Edit'].map(r.output);
    expect(r.prompt('Research')).toBe('Research tidal energy in northern Europe for an audience of executives. List the five most important facts, each with its source.');
    expect(r.prompt('Analyse')).toBe(`Pick the three findings that matter most to executives and say why each does:\n\n${research}`);
    expect(r.prompt('Draft')).toBe(`Write a brief of about 300 words on tidal energy in northern Europe, built on this analysis:\n\n${analyse}\n\nKeep the sources from the research:\n\n${research}`);
    // Its template names no earlier output, so the previous step's is appended.
    expect(r.prompt('Edit')).toBe(`Edit the draft below for clarity and a neutral tone. Keep every source.\n\n## Context from the previous step\n\n${draft}`);
    expect(r.detail.output_data).toMatchObject({ final_output: edit, steps_completed: 4 });
    expect((await r.log(4)).messages).toContainEqual({ role: 'user', content: r.prompt('Edit') });

    if (useClaude) {
      // The model got exactly these prompts, in this order, from the agent each step names.
      expect(r.requests.map(promptOf)).toEqual(['Research', 'Analyse', 'Draft', 'Edit'].map(r.prompt));
      expect(r.requests.map((request) => request.body.model)).toEqual([DEFAULT_MODELS.sonnet, DEFAULT_MODELS.haiku, DEFAULT_MODELS.sonnet, DEFAULT_MODELS.haiku]);
      expect(r.requests[0].body.system).toBe(f.agents.researcher.system_prompt);
      expect(research).toMatch(/^Claude #\d+ on: Research tidal energy/);
    } else {
      expect(r.requests).toEqual([]);
      expect(research).toContain("Baton's offline model");
    }
  });

  it('competitor-scan: parallel steps run side by side, never more than parallel_limit at once, and later orders wait for theirs', async () => {
    const f = fixture('competitor-scan');
    const analyses = ['Pricing', 'Product', 'Hiring', 'Reviews'];
    // The analyses take a while, so that steps allowed to overlap really do.
    script = (request, index) => (promptOf(request).startsWith('Write') ? undefined : { ...claude(request, index), latencyMs: 150 });
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail.status).toBe('completed');
    expect(r.results.map((s) => [s.step_id, s.order, s.status])).toEqual([...analyses.map((title) => [title, 1, 'completed']), ['SWOT', 2, 'completed'], ['Memo', 3, 'completed']]);
    expect(maxRunning(r.execution.events)).toBe(2);
    const seq = (kind: string, title: string) => r.eventsOf(title).find((event) => event.kind === kind)!.seq;
    for (const title of analyses) expect(seq('STEP_STARTED', 'SWOT')).toBeGreaterThan(seq('STEP_COMPLETED', title));
    expect(seq('STEP_STARTED', 'Memo')).toBeGreaterThan(seq('STEP_COMPLETED', 'SWOT'));

    expect(r.prompt('Pricing')).toBe("Analyse Acme Analytics's pricing in mid-market SaaS: tiers, discounts, recent changes.");
    expect(r.prompt('SWOT')).toBe(`Write a SWOT of Acme Analytics for us, from these analyses:\n\n${analyses.map((title) => `### ${title}\n\n${r.output(title)}`).join('\n\n')}`);
    expect(r.prompt('Memo')).toBe(`Write a one-page memo: how we should respond to Acme Analytics. The SWOT:\n\n${r.output('SWOT')}\n\nTheir pricing:\n\n${r.output('Pricing')}`);
    expect(r.detail.output_data.final_output).toBe(r.output('Memo'));
    if (useClaude) {
      expect(r.requests).toHaveLength(6);
      expect(maxInFlight(r.requests)).toBe(2);
    }
  });

  it.runIf(useClaude)('competitor-scan: when an analysis fails (error_handling stop), the execution fails at once, and the analysis still running beside it is cancelled', async () => {
    const f = fixture('competitor-scan');
    // Pricing's model never answers on its own; Product's request is refused.
    script = (request) => {
      if (promptOf(request).includes('pricing')) return { hang: true };
      if (promptOf(request).includes('product')) return { error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } };
      return undefined;
    };
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail).toMatchObject({ status: 'failed', error_message: expect.stringContaining('product'), output_data: null });
    // The steps that never started are not listed.
    expect(r.results.map((s) => [s.step_id, s.status])).toEqual([
      ['Pricing', 'cancelled'],
      ['Product', 'failed'],
    ]);
    expect(r.results[1].error).toContain('prompt is too long');
    await r.requestsOf('Pricing')[0].aborted;
    expect(r.requests).toHaveLength(2);
  });

  it('supplier-quotes: a step with error_handling retry is tried again after retry_delay, then twice that, and every attempt is recorded', async () => {
    const f = fixture('supplier-quotes');
    let attempts = 0;
    // Claude is overloaded for the first two attempts (each one the SDK's own retries included).
    script = (request) => {
      if (!promptOf(request).startsWith('Collect quotes')) return undefined;
      if (firstTry(request)) attempts++;
      return attempts <= 2 ? overloaded : undefined;
    };
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail.status).toBe('completed');
    expect(r.prompt('Collect quotes')).toBe('Collect quotes for 40 × ergonomic office chair from Northwind, Contoso, Fabrikam: unit price, lead time, terms.');
    expect(r.prompt('Compare')).toBe(`Compare these quotes on total cost, lead time and risk, and recommend one supplier:\n\n${r.output('Collect quotes')}`);
    const collect = r.eventsOf('Collect quotes');
    const attempt = (event: Event) => (event.payload as { attempt: number }).attempt;
    if (!useClaude) {
      // The offline model never fails: one attempt.
      expect(r.results.map((s) => [s.step_id, s.status, s.retries])).toEqual([
        ['Collect quotes', 'completed', 0],
        ['Compare', 'completed', 0],
      ]);
      expect(collect.map((event) => [event.kind, attempt(event)])).toEqual([
        ['STEP_STARTED', 1],
        ['STEP_COMPLETED', 1],
      ]);
      return;
    }
    expect(r.results.map((s) => [s.step_id, s.status, s.retries, s.error])).toEqual([
      ['Collect quotes', 'completed', 2, null],
      ['Compare', 'completed', 0, null],
    ]);
    expect(collect.map((event) => [event.kind, attempt(event)])).toEqual([
      ['STEP_STARTED', 1],
      ['STEP_RETRYING', 1],
      ['STEP_STARTED', 2],
      ['STEP_RETRYING', 2],
      ['STEP_STARTED', 3],
      ['STEP_COMPLETED', 3],
    ]);
    const [, failed1, started2, failed2, started3] = collect;
    expect(failed1.payload).toMatchObject({ delayMs: 250, error: expect.stringContaining('Overloaded') });
    expect(failed2.payload).toMatchObject({ delayMs: 500 });
    // The backoff, by the recorded times: each attempt started at least its delay after the failure before it.
    expect(Date.parse(started2.at) - Date.parse(failed1.at)).toBeGreaterThanOrEqual(250);
    expect(Date.parse(started3.at) - Date.parse(failed2.at)).toBeGreaterThanOrEqual(500);
    // And as the model saw them: three attempts, each after the last answer of the one before plus its delay.
    const requests = r.requestsOf('Collect quotes');
    const firsts = requests.map((request, index) => [request, index] as const).filter(([request]) => firstTry(request));
    expect(firsts).toHaveLength(3);
    for (const [k, delay] of [
      [1, 250],
      [2, 500],
    ]) {
      const [first, index] = firsts[k];
      expect(first.receivedAt - requests[index - 1].answeredAt!).toBeGreaterThanOrEqual(delay);
    }
  });

  it.runIf(useClaude)('supplier-quotes: once its retries are spent, the step fails and stops the execution', async () => {
    const f = fixture('supplier-quotes');
    script = (request) => (promptOf(request).startsWith('Collect quotes') ? overloaded : undefined);
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail).toMatchObject({ status: 'failed', current_step: 1, output_data: null, error_message: expect.stringContaining('collect_quotes') });
    // Compare never started.
    expect(r.results.map((s) => [s.step_id, s.status, s.retries])).toEqual([['Collect quotes', 'failed', 2]]);
    expect(r.results[0].error).toContain('Overloaded');
    expect(r.eventsOf('Collect quotes').map((event) => event.kind)).toEqual(['STEP_STARTED', 'STEP_RETRYING', 'STEP_STARTED', 'STEP_RETRYING', 'STEP_STARTED', 'STEP_FAILED']);
    expect(r.requestsOf('Collect quotes').filter(firstTry)).toHaveLength(3);
    expect(r.requestsOf('Compare')).toEqual([]);
  });

  it.runIf(useClaude)('supplier-quotes: while a step waits to be retried, the execution shows it running, with its retries and last error', async () => {
    const f = fixture('supplier-quotes');
    // A minute's delay: the test looks during it, then cancels.
    const templateId = await install(f, { template_id: 'supplier-quotes-slow', execution_config: { ...(f.recipe.execution_config as object), retry_delay: 60 } });
    script = (request) => (promptOf(request).startsWith('Collect quotes') ? overloaded : undefined);
    const started = await rest(t, 'POST', `/api/workflow-recipes/${templateId}/execute`, { input_data: f.inputs });
    const id = started.body.recipe_execution_id;
    for await (const result of subscribe(t.wsClient(), Events, { executionId: id })) {
      if (result.data?.executionEvents.kind === 'STEP_RETRYING') break;
    }
    const waiting = (await rest(t, 'GET', `/api/workflow-recipes/${templateId}/executions/${id}`)).body;
    expect(waiting).toMatchObject({ status: 'running', current_step: 1 });
    expect(waiting.step_results).toHaveLength(1);
    expect(waiting.step_results[0]).toMatchObject({ step_id: 'Collect quotes', status: 'running', retries: 1, completed_at: null, error: expect.stringContaining('Overloaded') });
    expect((await rest(t, 'POST', `/api/workflow-recipes/${templateId}/executions/${id}/cancel`)).body.status).toBe('cancelled');
  });

  it('release-notes: a step with error_handling continue fails and the recipe goes on without its output', async () => {
    const f = fixture('release-notes');
    // The issue tracker lookup never answers: the step's 1 s timeout ends it.
    script = (request) => (promptOf(request).startsWith('For each change') ? { hang: true } : undefined);
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail.status).toBe('completed');
    const [changes, issues, upgrade, notes] = ['Group changes', 'Link issues', 'Upgrade guide', 'Write notes'].map(r.output);
    expect(r.prompt('Link issues')).toBe(`For each change below, find the issue it closes in the tracker:\n\n${changes}`);
    expect(r.detail.output_data.final_output).toBe(notes);
    if (!useClaude) {
      expect(r.results.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(r.prompt('Write notes')).toBe(`Write the release notes of 2.4.0.\n\nChanges:\n\n${changes}\n\nIssues closed:\n\n${issues}\n\nUpgrading:\n\n${upgrade}`);
      return;
    }
    expect(r.results.map((s) => [s.step_id, s.status, s.error])).toEqual([
      ['Group changes', 'completed', null],
      ['Link issues', 'failed', 'timed out after 1000 ms'],
      ['Upgrade guide', 'completed', null],
      ['Write notes', 'completed', null],
    ]);
    expectOneAfterAnother(r.results);
    // The hung request was given up, and the steps after it ran; the failed step's output is empty.
    await r.requestsOf('Link issues')[0].aborted;
    expect(r.prompt('Write notes')).toBe(`Write the release notes of 2.4.0.\n\nChanges:\n\n${changes}\n\nIssues closed:\n\n\n\nUpgrading:\n\n${upgrade}`);
    expect(r.detail.output_data.steps_completed).toBe(3);
    expect((await r.log(2)).agent_output).toBeNull();
  });

  it('lead-qualification: output keys carry outputs by name, JSON braces stay text, and the answer has the keys of outputs', async () => {
    const f = fixture('lead-qualification');
    const verdict = { company: 'Lumen Robotics', score: 82, tier: 'A', reasons: ['Robotics software, 180 employees', 'Based in Munich'] };
    script = (request) => {
      if (promptOf(request).startsWith('Score how well')) return { text: '```json\n{"score": 82, "reasons": ["Robotics software, 180 employees", "Based in Munich"]}\n```' };
      if (promptOf(request).startsWith('Give the verdict')) return { text: JSON.stringify(verdict) };
      return undefined;
    };
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail.status).toBe('completed');
    const [profile, score] = ['Profile', 'Score'].map(r.output);
    expect(r.prompt('Score')).toBe(
      `Score how well this company fits our ideal customer profile (B2B software companies with 50 to 500 employees in Europe), from 0 to 100. Answer with JSON only: {"score": <number>, "reasons": [<string>, …]}\n\n${profile}`,
    );
    expect(r.prompt('Verdict')).toBe(`Give the verdict for the CRM. Answer with JSON only, of this shape: {"company": "<name>", "score": <number>, "tier": "A" | "B" | "C", "reasons": [<string>, …]}\n\nProfile:\n${profile}\n\nScore:\n${score}`);
    const final: string = r.detail.output_data.final_output;
    if (useClaude) {
      expect(score).toContain('"score": 82');
      const parsed = JSON.parse(final) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(Object.keys(f.recipe.outputs as object).sort());
      expect(parsed).toEqual(verdict);
    } else {
      expect(final).toContain("Baton's offline model");
    }
  });

  it("trip-budget: agents call their tools, and every call is recorded with its step; an agent without tools is offered none", async () => {
    const f = fixture('trip-budget');
    const [searchesBefore, conversionsBefore] = [searches.length, conversions.length];
    const r = await run(await recipe(f.name), f.inputs);
    expect(r.detail.status).toBe('completed');
    expect(r.prompt('Budget')).toBe(`Total these prices in EUR, converting where needed:\n\n${r.output('Find prices')}`);
    expect(r.prompt('Itinerary')).toBe(`Plan 4 days in Lisbon within this budget:\n\n${r.output('Budget')}`);
    if (!useClaude) {
      // The offline model calls no tools.
      expect(r.results.map((s) => s.tool_calls)).toEqual([[], [], []]);
      expect([searches.length, conversions.length]).toEqual([searchesBefore, conversionsBefore]);
      return;
    }
    const query = r.prompt('Find prices')!.slice(0, 60);
    const found = { results: [{ title: 'Return flight to Lisbon', price: 1480, currency: 'USD' }, { title: 'Hotel Avenida, 4 nights', price: 520, currency: 'EUR' }] };
    expect(searches.slice(searchesBefore)).toEqual([{ query }]);
    expect(conversions.slice(conversionsBefore)).toEqual([{ amount: 1480, from: 'USD', to: 'EUR' }]);
    expect(r.results.map((s) => s.tool_calls)).toEqual([
      [{ action: 'search__web_search', params: { query }, result: found, duration_ms: expect.any(Number), is_error: false }],
      [{ action: 'currency__convert_currency', params: { amount: 1480, from: 'USD', to: 'EUR' }, result: { amount: 1361.6, currency: 'EUR' }, duration_ms: expect.any(Number), is_error: false }],
      [],
    ]);
    // Each agent was offered its own tools only, and got the tool's answer back before it answered.
    const offered = (title: string) => r.requestsOf(title).map((request) => (request.body.tools ?? []).map((tool) => tool.name));
    expect(offered('Find prices')).toEqual([['search__web_search'], ['search__web_search']]);
    expect(offered('Budget')).toEqual([['currency__convert_currency'], ['currency__convert_currency']]);
    expect(offered('Itinerary')).toEqual([[]]);
    expect(toolResultsOf(r.requestsOf('Find prices')[1])).toEqual([JSON.stringify(found)]);
    expect(r.output('Find prices')).toContain(JSON.stringify(found));
    // The step's log has the whole conversation: prompt, tool call, tool result, answer.
    const log = await r.log(1);
    expect(log.messages.map((message: { role: string }) => message.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    expect(log.messages[2].content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'search__web_search', input: { query } }]);
    expect(log.messages[3].content).toEqual([{ type: 'tool_result', tool_use_id: 'call_1', content: found }]);
  });
});
