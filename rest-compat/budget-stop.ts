import type { ExecutionStatus } from '../src/generated/graphql/graphql.ts';

/**
 * Neither REST API knows a budget stop: a run its budget stopped reads as `failed` there (its error
 * says `budget exhausted: …`), both in what they show and in what `?status=failed` finds.
 */
export const FAILED_STATUSES: ExecutionStatus[] = ['FAILED', 'BUDGET_EXHAUSTED'];

export const readsAsFailed = (status: ExecutionStatus): status is 'FAILED' | 'BUDGET_EXHAUSTED' => FAILED_STATUSES.includes(status);
