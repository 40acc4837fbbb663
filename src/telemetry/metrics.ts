import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus metrics of one process, served at /metrics. Labels are bounded and say nothing about
// tenants: the model that answered (at most MAX_MODELS of them), a token type, an outcome, a queue.
// Counters and the histogram are this process's; the gauges read the database, so every process
// reports the same deployment-wide values for them.

export interface TokenUsage {
  tokensIn: number;
  tokensOut: number;
  tokensCacheRead: number;
  tokensCacheWrite: number;
}

export interface Load {
  runningSteps: number;
  queuedSteps: number;
  workers: number;
}

/** What the gauges read at each scrape. */
export interface MetricSources {
  /** Step attempts running and steps queued in every tenant's live executions, and worker processes alive. */
  load(): Promise<Load>;
  /** Jobs waiting to be fetched, by queue. */
  queues(): Promise<Record<string, number>>;
}

export interface Metrics {
  /** A model answered one request: tokens and cost, by the model that answered. */
  modelAnswered(model: string, usage: TokenUsage, costUsd: number): void;
  /** A step attempt ended: its model call(s) and its record, in seconds. */
  stepAttempted(outcome: 'completed' | 'failed', seconds: number): void;
  /** The text exposition and its content type (text/plain; version=0.0.4). */
  exposition(): Promise<{ contentType: string; text: string }>;
}

/** Model ids come from workflows; past this many distinct ones, the rest are counted as `other`. */
const MAX_MODELS = 50;

/**
 * What `read` answered within the last second is answered again: the gauges of one scrape read the
 * database once, and /metrics asked in a loop (it takes no credentials) reads it once a second at most.
 */
function recent<T>(read: () => Promise<T>, ms = 1000): () => Promise<T> {
  let last: { value: Promise<T>; at: number } | undefined;
  return () => {
    if (!last || performance.now() - last.at > ms) {
      const value = read();
      last = { value, at: Infinity };
      // Fresh from when it settles; a failure is not kept.
      value.then(() => (last = { value, at: performance.now() }), () => (last = undefined));
    }
    return last.value;
  };
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const models = new Set<string>();
  const modelLabel = (model: string) => (models.has(model) || (models.size < MAX_MODELS && models.add(model)) ? model : 'other');
  const tokens = new Counter({ name: 'baton_model_tokens_total', help: 'Tokens of model requests answered by this process, by model and type (input excludes cache reads and writes).', labelNames: ['model', 'type'] as const, registers: [registry] });
  const cost = new Counter({ name: 'baton_model_cost_usd_total', help: 'Estimated cost in US dollars of model requests answered by this process (BATON_PRICES), by model.', labelNames: ['model'] as const, registers: [registry] });
  const requests = new Counter({ name: 'baton_model_requests_total', help: 'Model requests answered by this process, by model.', labelNames: ['model'] as const, registers: [registry] });
  const steps = new Histogram({
    name: 'baton_step_duration_seconds',
    help: 'Step attempts run by this process, from their start to their result recorded, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const load = recent(sources.load);
  const queues = recent(sources.queues);
  // While the database is away the gauges have no value rather than a stale one.
  const fromLoad = (name: string, help: string, key: keyof Load) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = await load().then((read) => read[key], () => undefined);
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  fromLoad('baton_steps_running', 'Step attempts running now, in every live execution (read from the database).', 'runningSteps');
  fromLoad('baton_steps_queued', 'Steps queued for a worker and not started yet, in every live execution (read from the database).', 'queuedSteps');
  fromLoad('baton_workers', 'Worker processes alive (a heartbeat within the last 10 s).', 'workers');
  new Gauge({
    name: 'baton_queue_depth',
    help: 'Jobs waiting to be fetched, by pg-boss queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const sizes = await queues().catch(() => ({}));
      this.reset();
      for (const [queue, size] of Object.entries(sizes)) this.set({ queue }, size);
    },
  });
  return {
    modelAnswered(model, usage, costUsd) {
      const label = modelLabel(model);
      requests.inc({ model: label });
      tokens.inc({ model: label, type: 'input' }, usage.tokensIn);
      tokens.inc({ model: label, type: 'output' }, usage.tokensOut);
      if (usage.tokensCacheRead) tokens.inc({ model: label, type: 'cache_read' }, usage.tokensCacheRead);
      if (usage.tokensCacheWrite) tokens.inc({ model: label, type: 'cache_write' }, usage.tokensCacheWrite);
      cost.inc({ model: label }, costUsd);
    },
    stepAttempted(outcome, seconds) {
      steps.observe({ outcome }, seconds);
    },
    async exposition() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
