import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const markdown = `# Report
## Agents
### Researcher
Finds facts.
Model: Haiku
### Writer
Writes well.
Model: Sonnet
## Steps
### Research
Agent: Researcher
Research tides.
### Final
Agent: Writer
Write it up: {{steps.research.output}}
## Output
steps.final.output
`;

const Refine = graphql(`
  mutation RefineIt($id: ID!, $prompt: String!) {
    refineExecution(id: $id, prompt: $prompt) {
      __typename
      ... on Execution { refineStatus version }
      ... on Error { code message detail }
    }
  }
`);
const Versions = graphql(`
  query RefineVersions($id: ID!) {
    execution(id: $id) { output version refineStatus versions { version prompt parentVersion output } }
  }
`);
const Events = graphql(`
  subscription RefineEvents($executionId: ID!, $afterSeq: Int) {
    executionEvents(executionId: $executionId, afterSeq: $afterSeq) { seq type payload }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
let workflowId: string;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  workflowId = await createWorkflowId(t, markdown);
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function completed(): Promise<string> {
  fake.reply = (request) => ({ text: lastUserText(request).startsWith('Research') ? 'Tides follow the moon.' : '# Tides\nA long introduction. The moon pulls the sea.' });
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, workflowId);
  await watch.until(id, ['completed']);
  await watch.stop();
  return id;
}

describe('refinement', () => {
  it('gives the output step’s model the current output and the prompt, streams it, and stores the answer as version 2', async () => {
    const id = await completed();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.requests.length = 0;
    // The model answers only once the subscriber listens (token deltas are live only), then pauses mid-stream.
    const listening = new Promise<void>((resolve) => {
      const listener = (topic: string) => topic.endsWith(id) && (t.app.pubsub.activity.off('subscribed', listener), resolve());
      t.app.pubsub.activity.on('subscribed', listener);
    });
    fake.reply = () => ({ text: '# Tides\nThe moon pulls the sea. Subscribe for more!', after: listening, pause: { afterDeltas: 2, until: held } });
    const refined = (await t.request(Refine, { id, prompt: 'Cut the introduction and add a call to action.' })).body.data!.refineExecution;
    expect(refined).toEqual({ __typename: 'Execution', refineStatus: 'REFINING', version: 1 });
    // Opened once the refinement runs: a subscription to a finished execution that is not being
    // refined completes after its replay.
    const events = subscribe(t.wsClient(), Events, { executionId: id, afterSeq: 0 });

    const seen: { seq: number | null; type: string; payload: unknown }[] = [];
    for await (const result of events) {
      const event = result.data!.executionEvents;
      seen.push({ seq: event.seq ?? null, type: event.type, payload: event.payload });
      if (event.type === 'refine.token' && seen.filter((e) => e.type === 'refine.token').length === 2) {
        // Mid-stream: a second refinement is refused while this one runs.
        const again = (await t.request(Refine, { id, prompt: 'Shorter.' })).body.data!.refineExecution;
        expect(again).toMatchObject({ __typename: 'ConflictError', message: 'Refinement in progress' });
        expect((await rest(t, 'POST', `/executions/${id}/refine`, { prompt: 'Shorter.' })).status).toBe(409);
        release();
      }
      if (event.type === 'refine.completed') break;
    }
    const types = seen.map((e) => e.type);
    expect(types.indexOf('refine.started')).toBeLessThan(types.indexOf('refine.token'));
    expect(seen.find((e) => e.type === 'refine.started')!.payload).toEqual({ prompt: 'Cut the introduction and add a call to action.', fromVersion: 1 });
    expect(seen.find((e) => e.type === 'refine.completed')).toMatchObject({ seq: expect.any(Number), payload: { version: 2, parentVersion: 1 } });
    expect(seen.filter((e) => e.type === 'refine.token').map((e) => (e.payload as { text: string }).text).join('')).toBe('# Tides\nThe moon pulls the sea. Subscribe for more!');

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request.body.model).toMatch(/sonnet/);
    const prompt = lastUserText(request);
    expect(prompt).toContain('Cut the introduction and add a call to action.');
    expect(prompt).toContain('# Tides\nA long introduction. The moon pulls the sea.');

    const execution = (await t.request(Versions, { id })).body.data!.execution!;
    expect(execution).toMatchObject({ output: '# Tides\nThe moon pulls the sea. Subscribe for more!', version: 2, refineStatus: 'COMPLETED' });
    expect(execution.versions.map((v) => [v.version, v.prompt, v.parentVersion])).toEqual([
      [2, 'Cut the introduction and add a call to action.', 1],
      [1, null, null],
    ]);
    expect(execution.versions[1].output).toBe('# Tides\nA long introduction. The moon pulls the sea.');
  });

  it('refines the newest version next: version 3 has parent 2', async () => {
    const id = await completed();
    fake.reply = (request) => ({ text: `v-next of: ${lastUserText(request).split('<output>\n')[1].split('\n</output>')[0]}` });
    for (const prompt of ['First change.', 'Second change.']) {
      const events = t.app.pubsub.subscribe('executionEvent', id);
      await events.ready;
      await t.request(Refine, { id, prompt });
      for await (const event of events) if (event.type === 'refine.completed') break;
    }
    const execution = (await t.request(Versions, { id })).body.data!.execution!;
    expect(execution.versions.map((v) => [v.version, v.parentVersion])).toEqual([[3, 2], [2, 1], [1, null]]);
    expect(execution.output).toBe('v-next of: v-next of: # Tides\nA long introduction. The moon pulls the sea.');
  });

  it('marks the refinement failed when the model call fails, keeps the output, and allows another try', async () => {
    const id = await completed();
    fake.reply = () => ({ error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } });
    const events = t.app.pubsub.subscribe('executionEvent', id);
    await events.ready;
    await t.request(Refine, { id, prompt: 'Rewrite everything.' });
    let failure: unknown;
    for await (const event of events) {
      if (event.type === 'refine.failed') {
        failure = event.payload;
        break;
      }
    }
    expect(failure).toMatchObject({ error: expect.stringContaining('prompt is too long'), fromVersion: 1 });
    const execution = (await rest(t, 'GET', `/executions/${id}`)).body;
    expect(execution).toMatchObject({ refine_status: 'failed', version: 1, final_output: '# Tides\nA long introduction. The moon pulls the sea.' });
    fake.reply = () => ({ text: 'Better.' });
    expect((await rest(t, 'POST', `/executions/${id}/refine`, { prompt: 'Try again.' })).status).toBe(202);
  });
});
