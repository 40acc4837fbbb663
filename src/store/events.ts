/**
 * Every event Baton publishes, by name, with its payload. Payloads are plain JSON (ISO strings, no
 * Dates) because with Redis they cross process boundaries as JSON.
 */
export interface Events {
  /** A status change of one execution; topic key: the tenant id (feeds `executionUpdates`). */
  executionUpdated: {
    tenantId: string;
    executionId: string;
    /** What it runs: a markdown workflow or a recipe (the other is null). */
    workflowId: string | null;
    recipeId: string | null;
    status: ExecutionStatus;
    at: string;
  };
  /**
   * A state change of one execution (stored, with its `seq`) or a token delta of a running step
   * (live only, `seq` null); topic key: the execution id (feeds `executionEvents`).
   */
  executionEvent: {
    executionId: string;
    seq: number | null;
    type: ExecutionEventType;
    payload: Record<string, unknown>;
    at: string;
  };
  /** An execution was stopped: every process aborts its in-flight model calls for it; key: `all`. */
  executionStopped: { executionId: string };
  /** Jobs were enqueued: wakes worker processes at once (or when they are due) instead of at their next poll; key: the queue. */
  jobsEnqueued: { queue: string; /** Due this many milliseconds from now (a retry after its delay, a deadline); absent: due now. */ delayMs?: number };
  /**
   * An MCP client cancelled one of its tool calls (`notifications/cancelled`), which may be waiting in
   * another process; key: tenant, MCP session and JSON-RPC request id.
   */
  mcpCallCancelled: { reason: string | null };
}

/** `budget_exhausted`: it ended because no model call could be reserved within its budgets (a failure to clients that know only `failed`). */
export type ExecutionStatus = 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'stopped' | 'budget_exhausted';

/** Every kind of execution event: stored state changes, and the live-only token deltas. */
export const EXECUTION_EVENT_TYPES = [
  'execution.running',
  'execution.awaiting_approval',
  'execution.completed',
  'execution.failed',
  'execution.stopped',
  'execution.budget_exhausted',
  'step.started',
  'step.token',
  'step.completed',
  'step.failed',
  'step.retrying',
  'step.skipped',
  'step.awaiting_approval',
  'step.approved',
  'step.rejected',
  'step.recovered',
  'refine.started',
  'refine.token',
  'refine.completed',
  'refine.failed',
] as const;

export type ExecutionEventType = (typeof EXECUTION_EVENT_TYPES)[number];

/**
 * What a tenant's webhook endpoints may subscribe to (outbound notifications). Only changes a person
 * acts on: `execution.running` and `execution.stopped` (the caller asked for it) are not sent.
 */
export const NOTIFICATION_EVENTS = ['execution.completed', 'execution.failed', 'execution.awaiting_approval', 'execution.budget_exhausted', 'schedule.paused'] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
