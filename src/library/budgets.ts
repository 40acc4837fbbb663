import type { Db } from '../store/db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { Tenant as Caller } from '../tenancy/auth.ts';
import { checkBudget, type Budget } from '../engine/budget.ts';
import { findWorkflow } from './workflows.ts';

/** A tenant's spend on one UTC day. */
export interface SpendDay {
  day: Date;
  usd: number;
  tokens: number;
}

export const MAX_SPEND_DAYS = 366;

/** The tenant's spend per UTC day over the last `days` days (today included), oldest first, days without spend as zero. */
export async function spendByDay(db: Db, tenantId: string, days: number): Promise<SpendDay[]> {
  if (!Number.isInteger(days) || days < 1 || days > MAX_SPEND_DAYS) throw new ValidationError('Invalid days', `days must be a whole number from 1 to ${MAX_SPEND_DAYS}, not ${days}`);
  return db.$queryRaw<SpendDay[]>`
    WITH today AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day)
    SELECT g.day, COALESCE(sum(d.usd), 0)::float8 AS usd, COALESCE(sum(d.tokens), 0)::float8 AS tokens
    FROM today, generate_series(today.day - (${days - 1}::int * interval '1 day'), today.day, interval '1 day') AS g(day)
    LEFT JOIN tenant_spend_days d ON d.tenant_id = ${tenantId} AND d.day = g.day
    GROUP BY g.day ORDER BY g.day`;
}

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
  if (caller.role !== 'admin') throw new ForbiddenError('Administrators only', "Only an admin API key sets a workspace's budget (baton key create --tenant <id> --role admin, or baton tenant budget on the server)");
  const day = checkBudget({ tokens: budget.tokensPerDay, usd: budget.usdPerDay }, { tokens: 'budget.tokensPerDay', usd: 'budget.usdPerDay' });
  const month = checkBudget({ usd: budget.usdPerMonth }, { tokens: '', usd: 'budget.usdPerMonth' });
  const found = await db.tenant.updateMany({
    where: { id: tenantId },
    data: { budgetUsdPerDay: day?.usd ?? null, budgetTokensPerDay: day?.tokens ?? null, budgetUsdPerMonth: month?.usd ?? null },
  });
  if (found.count === 0) throw new NotFoundError('Tenant not found', `No tenant ${tenantId}`);
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
}

/** Sets the budget a workflow's executions get unless their run names one (null lifts it). */
export async function setWorkflowBudget(db: Db, tenantId: string, workflowId: string, budget: Budget | null) {
  const checked = checkBudget(budget);
  await findWorkflow(db, tenantId, workflowId);
  return db.workflow.update({ where: { id: workflowId }, data: { budgetTokens: checked?.tokens ?? null, budgetUsd: checked?.usd ?? null } });
}
