import type { Agent } from '../agents/call.ts';
import type { PriceTable } from '../agents/prices.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { InFlight } from './in-flight.ts';
import type { EngineDeps } from './transaction.ts';
import type { LocalWorker } from './claim-local.ts';

/** A worker whose heartbeat is older than this is dead; its running steps start again elsewhere. */
export const DEAD_AFTER_MS = 10_000;

export interface StepDeps extends EngineDeps {
  /** The agent runtime for a model id (the offline model, or Claude). */
  agentFor(modelId: string): Agent;
  /** The attempts running in this process: a stop aborts their model calls, and the sweep tells which claims are still run. */
  inFlight: InFlight;
  /** This worker process (see workers/liveness.ts). */
  workerId: string;
  /** Gives back, now, the steps this worker claimed but no longer runs (workers/liveness.ts). */
  giveBack(): void;
  /** For each step's cost estimate. */
  prices: PriceTable;
  /** This process's metrics (step durations); none when BATON_METRICS is off. */
  metrics?: Metrics;
}

/** This worker, for the transactions that claim steps for it. */
export const localWorker = (deps: StepDeps): LocalWorker => ({ id: deps.workerId, slots: deps.inFlight.room(), prices: deps.prices });
