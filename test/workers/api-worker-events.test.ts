import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, subscribe, type TestApp } from '../support/app.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { baton, cleanEnv, type BatonProcess } from '../support/process.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const redisUrl = process.env.REDIS_URL;

const Events = graphql(`
  subscription ApiWorkerEvents($executionId: ID!) {
    executionEvents(executionId: $executionId) { seq type payload }
  }
`);

const Stop = graphql(`
  mutation ApiWorkerStop($id: ID!) {
    stopExecution(id: $id) { __typename ... on Execution { status } }
  }
`);

const markdown = readFileSync(new URL('../../docs/examples/workflows/relay.md', import.meta.url), 'utf8');

// The API process (this one) runs no steps; a separate worker process does, and its events reach
// the API's subscribers through Redis. Runs whenever REDIS_URL is set (CI sets it).
describe.skipIf(!redisUrl)('events from a worker process', () => {
  const fake = new FakeAnthropic();
  let api: TestApp;
  let worker: BatonProcess;

  beforeAll(async () => {
    await fake.start();
    api = await startTestApp({ redisUrl, role: 'api' });
    const env = cleanEnv({ DATABASE_URL: api.databaseUrl, REDIS_URL: redisUrl!, ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, BATON_DATA_DIR: await mkdtemp(join(tmpdir(), 'baton-worker-')) });
    worker = baton(['serve', '--role', 'worker'], env);
    await worker.waitFor(/Baton is running \(role: worker\)/);
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await api?.stop();
    await fake.close();
  });

  it('reach a subscriber on the API process, step and token events in order', async () => {
    // The model answers only once the subscriber listens, so it sees every token.
    const listening = once(api.app.pubsub.activity, 'subscribed');
    fake.reply = (request) => ({ text: `words of ${lastUserText(request).split(' ')[2]} answer`, after: listening });
    const id = await startExecutionId(api, await createWorkflowId(api, markdown));
    const events: { seq: number | null; type: string; payload: Record<string, unknown> }[] = [];
    for await (const result of subscribe(api.wsClient(), Events, { executionId: id })) {
      const event = result.data!.executionEvents;
      events.push({ seq: event.seq ?? null, type: event.type, payload: event.payload as Record<string, unknown> });
      if (event.type === 'execution.completed') break;
    }
    const stored = events.filter((event) => event.seq !== null);
    expect(stored.map((event) => event.seq)).toEqual(stored.map((_, i) => i + 1));
    const types = events.map((event) => (event.type === 'step.token' ? `token:${event.payload.stepId}` : `${event.type}:${event.payload.stepId ?? ''}`));
    const span = (step: string) => [types.indexOf(`step.started:${step}`), types.indexOf(`step.completed:${step}`)];
    for (const step of ['first', 'second']) {
      const [started, completed] = span(step);
      const tokens = events.flatMap((event, i) => (event.type === 'step.token' && event.payload.stepId === step ? [i] : []));
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((i) => i > started && i < completed)).toBe(true);
      expect(tokens.map((i) => events[i].payload.text).join('')).toBe(`words of ${step} answer`);
    }
    expect(span('first')[1]).toBeLessThan(span('second')[0]);
  });

  it('aborts the model call running in the worker process when the API stops the execution', async () => {
    fake.requests.length = 0;
    fake.reply = () => ({ hang: true });
    const id = await startExecutionId(api, await createWorkflowId(api, markdown));
    const call = await fake.request(1);
    expect((await api.request(Stop, { id })).body.data!.stopExecution).toEqual({ __typename: 'Execution', status: 'STOPPED' });
    await call.aborted;
    const steps = await api.app.database.db.stepRun.findMany({ where: { executionId: id }, orderBy: { position: 'asc' } });
    expect(steps.map((step) => step.status)).toEqual(['stopped', 'stopped']);
  });
});
