import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const workflow = `# Metered Pair
## Agents
### Worker
Does the work.
Model: Haiku
## Steps
### First
Agent: Worker
Do the first thing.
### Second
Agent: Worker
Do the second thing after: {{steps.first.output}}
`;

/** The value of one sample line (`name{labels} value`), or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus /metrics', () => {
  const fake = new FakeAnthropic();
  let t: TestApp;
  beforeAll(async () => {
    await fake.start();
    fake.reply = (request) => (lastUserText(request).startsWith('Do the first') ? { text: 'first', usage: { input: 120, output: 40 } } : { text: 'second', usage: { input: 200, output: 60 } });
    t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  it('counts the tokens and cost by model and the step attempts, and reports the queues, without tenant data', async () => {
    const before = await (await fetch(`${t.url}/metrics`)).text();
    const workflowId = await createWorkflowId(t, workflow);
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, workflowId);
    await watch.until(id, ['completed', 'failed']);
    await watch.stop();

    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const grew = (series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
    expect(grew('baton_model_tokens_total{model="claude-haiku-5-5",type="input"}')).toBe(320);
    expect(grew('baton_model_tokens_total{model="claude-haiku-5-5",type="output"}')).toBe(100);
    expect(grew('baton_model_requests_total{model="claude-haiku-5-5"}')).toBe(2);
    // Haiku: $1 and $5 per million tokens in and out.
    expect(grew('baton_model_cost_usd_total{model="claude-haiku-5-5"}')).toBeCloseTo((320 * 1 + 100 * 5) / 1e6, 12);
    expect(grew('baton_step_duration_seconds_count{outcome="completed"}')).toBe(2);
    expect(sample(text, 'baton_step_duration_seconds_bucket{le="+Inf",outcome="completed"}')).toBe(sample(text, 'baton_step_duration_seconds_count{outcome="completed"}'));
    // Read from the database: nothing runs or waits once the execution has completed, and this process is a worker.
    expect(sample(text, 'baton_steps_running')).toBe(0);
    expect(sample(text, 'baton_steps_queued')).toBe(0);
    expect(sample(text, 'baton_workers')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'baton_queue_depth{queue="baton-step"}')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    for (const secret of [t.tenant.tenantId, id, workflowId, 'Metered Pair']) expect(text).not.toContain(secret);
  });
});

describe('where /metrics is served', () => {
  it('serves /metrics on BATON_METRICS_PORT instead of the API port, also for a worker-only process', async () => {
    const t = await startTestApp({ env: { BATON_METRICS_PORT: '0' } });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      const worker = await startTestApp({ databaseUrl: t.databaseUrl, role: 'worker', env: { BATON_METRICS_PORT: '0' } });
      try {
        const response = await fetch(worker.app.metricsUrl!);
        expect(response.status).toBe(200);
        expect(await response.text()).toMatch(/^baton_workers \d+$/m);
      } finally {
        await worker.stop();
      }
      expect((await fetch(t.app.metricsUrl!)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('serves no /metrics with BATON_METRICS=false', async () => {
    const t = await startTestApp({ env: { BATON_METRICS: 'false' } });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      expect(t.app.metrics).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});
