import type { Db } from '../store/db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { Tenant as Caller } from '../tenancy/auth.ts';
import { checkBudget, type Budget } from '../engine/budget.ts';
import { findWorkflow } from './workflows.ts';

/** A tenant's limits: US dollars per UTC day and month, tokens per UTC day; null: none. */
export interface TenantBudget {
  usdPerDay?: number | null;
  usdPerMonth?: number | null;
  tokensPerDay?: number | null;
}

/**
 * Sets a tenant's limits (each null lifts that one). An operator's decision: an admin key may set
 * any tenant's, a member key none (a workspace that could lift its own limit would have none).
 */
export async function setTenantBudget(db: Db, caller: Caller, tenantId: string, budget: TenantBudget) {
  if (caller.role !== 'admin') throw new ForbiddenError('Administrators only', "Only an admin API key sets a workspace's budget (baton key create --tenant <id> --role admin, or baton tenant limits on the server)");
  const day = checkBudget({ tokens: budget.tokensPerDay, usd: budget.usdPerDay }, { tokens: 'budget.tokensPerDay', usd: 'budget.usdPerDay' });
  const month = checkBudget({ usd: budget.usdPerMonth }, { tokens: '', usd: 'budget.usdPerMonth' });
  const found = await db.tenant.updateMany({
    where: { id: tenantId },
    data: { budgetUsdPerDay: day?.usd ?? null, budgetTokensPerDay: day?.tokens ?? null, budgetUsdPerMonth: month?.usd ?? null },
  });
  if (found.count === 0) throw new NotFoundError('Tenant not found', `No tenant ${tenantId}`);
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
}

/** A limit of running model calls: a whole number from 1 (null: none). */
function checkCallLimit(limit: number | null, field: string): number | null {
  if (limit !== null && !(Number.isSafeInteger(limit) && limit >= 1 && limit <= 100_000)) {
    throw new ValidationError('Invalid limit', `${field} must be a whole number from 1 to 100000, not ${limit}: it is how many model calls may run at once; to lift the limit, set it to null`);
  }
  return limit;
}

/** Sets how many model calls of a tenant's executions run at once, across all workers (null lifts it); admin keys only, like budgets. */
export async function setTenantCallLimit(db: Db, caller: Caller, tenantId: string, limit: number | null) {
  if (caller.role !== 'admin') throw new ForbiddenError('Administrators only', "Only an admin API key sets a workspace's limits (baton key create --tenant <id> --role admin, or baton tenant limits on the server)");
  const found = await db.tenant.updateMany({ where: { id: tenantId }, data: { maxConcurrentCalls: checkCallLimit(limit, 'maxConcurrentCalls') } });
  if (found.count === 0) throw new NotFoundError('Tenant not found', `No tenant ${tenantId}`);
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
}

/** A workflow's settings: an argument left out stays as it is, null lifts it. */
export interface WorkflowSettings {
  /** The budget its executions get unless their run names one. */
  budget?: Budget | null;
  /** How many of its executions' model calls run at once. */
  maxConcurrentCalls?: number | null;
}

export async function updateWorkflowSettings(db: Db, tenantId: string, workflowId: string, settings: WorkflowSettings) {
  const budget = settings.budget === undefined ? undefined : checkBudget(settings.budget);
  const limit = settings.maxConcurrentCalls === undefined ? undefined : checkCallLimit(settings.maxConcurrentCalls, 'maxConcurrentCalls');
  await findWorkflow(db, tenantId, workflowId);
  return db.workflow.update({
    where: { id: workflowId },
    data: { ...(budget === undefined ? {} : { budgetTokens: budget?.tokens ?? null, budgetUsd: budget?.usd ?? null }), ...(limit === undefined ? {} : { maxConcurrentCalls: limit }) },
  });
}
