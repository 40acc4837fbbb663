import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { executionEvents } from '../../src/engine/event-stream.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { baton, cleanEnv, type BatonProcess } from '../support/process.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const redisUrl = process.env.REDIS_URL;
const RUNS = 20;
const STEPS = ['one', 'two', 'three', 'four'];
const markdown = `# Chain
## Inputs
- n: Which run (number, required)
## Agents
### Worker
Works in steps.
Model: Haiku
## Steps
${STEPS.map((step) => `### ${step}\nAgent: Worker\nStep ${step} of run {{inputs.n}}.\n`).join('\n')}`;

// A worker is a separate process, killed with SIGKILL mid-run; its events reach this API process
// through Redis, so the test runs whenever REDIS_URL is set (CI sets it).
describe.skipIf(!redisUrl)('durability across a worker crash', () => {
  const fake = new FakeAnthropic();
  let api: TestApp;
  let env: NodeJS.ProcessEnv;
  const workers: BatonProcess[] = [];

  beforeAll(async () => {
    await fake.start();
    // Each model call takes a little while, so the crash lands in the middle of the runs.
    fake.reply = (request) => ({ text: `Done: ${lastUserText(request)}`, latencyMs: 40 });
    api = await startTestApp({ redisUrl, role: 'api' });
    env = cleanEnv({ DATABASE_URL: api.databaseUrl, REDIS_URL: redisUrl!, ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, BATON_DATA_DIR: await mkdtemp(join(tmpdir(), 'baton-worker-')) });
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await api?.stop();
    await fake.close();
  });

  const startWorker = async () => {
    const worker = baton(['serve', '--role', 'worker'], env);
    workers.push(worker);
    await worker.waitFor(/Baton is running \(role: worker\)/);
    return worker;
  };

  it('completes every execution after SIGKILL and a new worker, without re-running a completed step', { timeout: 180_000 }, async () => {
    const first = await startWorker();
    const workflowId = await createWorkflowId(api, markdown);
    const ids: string[] = [];
    for (let n = 0; n < RUNS; n++) ids.push(await startExecutionId(api, workflowId, { n }));

    // Kill once a third of all model calls have been made.
    await fake.request(Math.floor((RUNS * STEPS.length) / 3));
    first.child.kill('SIGKILL');
    await first.exited;
    const requestsBeforeKill = fake.requests.length;
    const killedAt = new Date();

    await startWorker();
    // Each execution's stored events, then live ones: a status change the killed worker committed
    // but had no time to publish is still found (live-only updates would miss it).
    for (const id of ids) {
      for await (const event of executionEvents(api.app.database.db, api.app.pubsub, id, 0)) if (event.type === 'execution.completed') break;
    }

    const runs = await api.app.database.db.stepRun.findMany({ where: { executionId: { in: ids } } });
    expect(runs).toHaveLength(RUNS * STEPS.length);
    expect(runs.every((run) => run.status === 'completed')).toBe(true);

    // Which model calls asked for which step of which run.
    const calls = new Map<string, number[]>();
    fake.requests.forEach((request, index) => {
      const [, step, n] = /^Step (\w+) of run (\d+)\.$/.exec(lastUserText(request))!;
      calls.set(`${n}:${step}`, [...(calls.get(`${n}:${step}`) ?? []), index]);
    });
    expect(calls.size).toBe(RUNS * STEPS.length);
    const byRun = new Map(ids.map((id, n) => [id, n]));
    for (const run of runs) {
      const made = calls.get(`${byRun.get(run.executionId)}:${run.stepId}`)!;
      if (run.completedAt! < killedAt) {
        // Completed before the crash: its model call was never made again.
        expect(made, `${run.stepId} of run ${byRun.get(run.executionId)}`).toHaveLength(1);
      } else {
        // In flight at the crash, it may have been asked again — but only once after the crash.
        expect(made.filter((index) => index >= requestsBeforeKill).length).toBeLessThanOrEqual(1);
      }
    }
  });
});
