import { numberOption, type Values } from './options.ts';
import { UsageError } from './errors.ts';
import { withDatabase } from './keys.ts';

/**
 * `baton tenant budget <id> [--usd-per-day X] [--usd-per-month X] [--tokens-per-day N]`: the
 * operator sets a tenant's limits on the database (a limit left out is lifted); with no limit
 * given, prints them and what the tenant spent today.
 */
export async function tenantBudgetCommand(tenantId: string | undefined, values: Values, json: boolean): Promise<void> {
  if (!tenantId) throw new UsageError('tenant budget needs a tenant id: baton tenant budget <id> [--usd-per-day X] [--usd-per-month X] [--tokens-per-day N]');
  const budget = {
    usdPerDay: numberOption(values['usd-per-day'], '--usd-per-day') ?? null,
    usdPerMonth: numberOption(values['usd-per-month'], '--usd-per-month') ?? null,
    tokensPerDay: numberOption(values['tokens-per-day'], '--tokens-per-day') ?? null,
  };
  const setting = Object.values(budget).some((value) => value !== null);
  const [{ setTenantBudget, spendByDay }, { ValidationError, NotFoundError }] = await Promise.all([import('../library/budgets.ts'), import('../errors.ts')]);
  const { tenant, today } = await withDatabase(async (db) => {
    try {
      const tenant = setting ? await setTenantBudget(db, { id: tenantId, name: '', role: 'admin' }, tenantId, budget) : await db.tenant.findUnique({ where: { id: tenantId } });
      if (!tenant) throw new UsageError(`no tenant with id ${tenantId}`);
      return { tenant, today: (await spendByDay(db, tenantId, 1))[0] };
    } catch (error) {
      if (error instanceof ValidationError || error instanceof NotFoundError) throw new UsageError(error.detail);
      throw error;
    }
  });
  const limits = { usd_per_day: tenant.budgetUsdPerDay, usd_per_month: tenant.budgetUsdPerMonth, tokens_per_day: tenant.budgetTokensPerDay };
  if (json) return void console.log(JSON.stringify({ tenant_id: tenantId, budget: limits, spent_today: { usd: today.usd, tokens: today.tokens } }));
  const show = (value: number | null, unit: string) => (value === null ? 'none' : `${value} ${unit}`);
  console.log(`Tenant ${tenantId}${setting ? ': limits set' : ''}`);
  console.log(`  per day    ${show(limits.usd_per_day, 'USD')}, ${show(limits.tokens_per_day, 'tokens')}`);
  console.log(`  per month  ${show(limits.usd_per_month, 'USD')}`);
  console.log(`  today      ${today.usd.toFixed(6)} USD, ${today.tokens} tokens spent`);
}
