import { numberOption, type Values } from './options.ts';
import { UsageError } from './errors.ts';
import { withDatabase } from './keys.ts';

/**
 * `baton tenant limits <id> [--usd-per-day X] [--usd-per-month X] [--tokens-per-day N] [--max-calls N]`:
 * the operator sets a tenant's budget and its limit of running model calls on the database (a limit
 * left out is lifted); with none given, prints them and what the tenant spent today.
 */
export async function tenantLimitsCommand(tenantId: string | undefined, values: Values, json: boolean): Promise<void> {
  if (!tenantId) throw new UsageError('tenant limits needs a tenant id: baton tenant limits <id> [--usd-per-day X] [--usd-per-month X] [--tokens-per-day N] [--max-calls N]');
  const budget = {
    usdPerDay: numberOption(values['usd-per-day'], '--usd-per-day') ?? null,
    usdPerMonth: numberOption(values['usd-per-month'], '--usd-per-month') ?? null,
    tokensPerDay: numberOption(values['tokens-per-day'], '--tokens-per-day') ?? null,
  };
  const maxCalls = numberOption(values['max-calls'], '--max-calls') ?? null;
  const setting = maxCalls !== null || Object.values(budget).some((value) => value !== null);
  const [{ setTenantBudget, setTenantCallLimit }, { dailyCosts }, { ValidationError, NotFoundError }] = await Promise.all([import('../library/budgets.ts'), import('../library/tenant-costs.ts'), import('../errors.ts')]);
  const operator = { id: tenantId, name: '', role: 'admin' as const };
  const { tenant, today } = await withDatabase(async (db) => {
    try {
      if (setting) await setTenantBudget(db, operator, tenantId, budget);
      const tenant = setting ? await setTenantCallLimit(db, operator, tenantId, maxCalls) : await db.tenant.findUnique({ where: { id: tenantId } });
      if (!tenant) throw new UsageError(`no tenant with id ${tenantId}`);
      return { tenant, today: (await dailyCosts(db, tenantId, 1, new Date()))[0] };
    } catch (error) {
      if (error instanceof ValidationError || error instanceof NotFoundError) throw new UsageError(error.detail);
      throw error;
    }
  });
  const limits = { usd_per_day: tenant.budgetUsdPerDay, usd_per_month: tenant.budgetUsdPerMonth, tokens_per_day: tenant.budgetTokensPerDay };
  if (json) return void console.log(JSON.stringify({ tenant_id: tenantId, budget: limits, max_concurrent_calls: tenant.maxConcurrentCalls, spent_today: { usd: today.costUsd, tokens: today.tokens } }));
  const show = (value: number | null, unit: string) => (value === null ? 'none' : `${value} ${unit}`);
  console.log(`Tenant ${tenantId}${setting ? ': limits set' : ''}`);
  console.log(`  per day    ${show(limits.usd_per_day, 'USD')}, ${show(limits.tokens_per_day, 'tokens')}`);
  console.log(`  per month  ${show(limits.usd_per_month, 'USD')}`);
  console.log(`  at once    ${show(tenant.maxConcurrentCalls, 'model calls')}`);
  console.log(`  today      ${today.costUsd.toFixed(6)} USD, ${today.tokens} tokens spent`);
}
