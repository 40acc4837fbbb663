/**
 * Every event Baton publishes, by name, with its payload. Payloads are plain JSON (ISO strings, no
 * Dates) because with Redis they cross process boundaries as JSON.
 */
export interface Events {
  /** A status change of one execution; topic key: the tenant id (feeds `executionUpdates`). */
  executionUpdated: {
    tenantId: string;
    executionId: string;
    workflowId: string;
    status: ExecutionStatus;
    at: string;
  };
}

export type ExecutionStatus = 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'stopped';
