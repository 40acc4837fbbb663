import { builder } from '../builder.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { executionSpend, type Totals } from '../engine/budget.ts';
import { setTenantBudget, setTenantCallLimit, updateWorkflowSettings } from '../library/budgets.ts';

export const BudgetInput = builder.inputType('BudgetInput', {
  description: 'A hard limit: no model call starts that could take the execution past it (each call reserves its worst case first). Give tokens, USD or both; each above 0.',
  fields: (t) => ({
    tokens: t.int({ description: 'Tokens in all (input, output, cache).' }),
    usd: t.float({ description: 'US dollars, at the list prices Baton estimates costs with (BATON_PRICES).' }),
  }),
});

const Budget = builder.objectRef<{ tokens: number | null; usd: number | null }>('Budget').implement({
  description: 'A hard limit on what an execution spends; a null field is no limit of that kind.',
  fields: (t) => ({
    tokens: t.exposeInt('tokens', { nullable: true }),
    usd: t.exposeFloat('usd', { nullable: true }),
  }),
});

const Spend = builder.objectRef<Totals>('Spend').implement({
  description: 'What an execution has spent so far, and what its running model calls hold reserved (their worst case, until their usage is recorded).',
  fields: (t) => ({
    tokens: t.exposeFloat('tokens'),
    usd: t.exposeFloat('usd'),
    reservedTokens: t.exposeFloat('reservedTokens'),
    reservedUsd: t.exposeFloat('reservedUsd'),
  }),
});

const budgetOf = (row: { budgetTokens: number | null; budgetUsd: number | null }) => (row.budgetTokens === null && row.budgetUsd === null ? null : { tokens: row.budgetTokens, usd: row.budgetUsd });

builder.prismaObjectFields('Execution', (t) => ({
  budget: t.field({ type: Budget, nullable: true, select: { budgetTokens: true, budgetUsd: true }, description: 'Its budget; null: none (its workspace may still have daily limits).', resolve: budgetOf }),
  spend: t.field({
    type: Spend,
    select: { id: true },
    resolve: (execution, _args, ctx) => executionSpend({ query: (text, values) => ctx.db.$queryRawUnsafe(text, ...(values ?? [])) }, execution.id),
  }),
}));

builder.prismaObjectFields('Workflow', (t) => ({
  budget: t.field({ type: Budget, nullable: true, select: { budgetTokens: true, budgetUsd: true }, description: 'The budget its executions get unless their run names one.', resolve: budgetOf }),
  maxConcurrentCalls: t.exposeInt('maxConcurrentCalls', { nullable: true, description: "At most this many of its executions' model calls run at once, across all workers; null: no limit of its own." }),
}));

const TenantBudget = builder.objectRef<{ budgetUsdPerDay: number | null; budgetUsdPerMonth: number | null; budgetTokensPerDay: number | null }>('TenantBudget').implement({
  description: "A workspace's limits, shared by all its executions (UTC days and months); null: none.",
  fields: (t) => ({
    usdPerDay: t.exposeFloat('budgetUsdPerDay', { nullable: true }),
    usdPerMonth: t.exposeFloat('budgetUsdPerMonth', { nullable: true }),
    tokensPerDay: t.exposeInt('budgetTokensPerDay', { nullable: true }),
  }),
});

const TenantBudgetInput = builder.inputType('TenantBudgetInput', {
  description: 'Each limit above 0; a limit left out or null is lifted.',
  fields: (t) => ({ usdPerDay: t.float(), usdPerMonth: t.float(), tokensPerDay: t.int() }),
});

builder.prismaObjectFields('Tenant', (t) => ({
  budget: t.field({ type: TenantBudget, select: { budgetUsdPerDay: true, budgetUsdPerMonth: true, budgetTokensPerDay: true }, resolve: (tenant) => tenant }),
  maxConcurrentCalls: t.exposeInt('maxConcurrentCalls', { nullable: true, description: "At most this many of the workspace's model calls run at once, across all workers (the others wait, oldest first); null: no limit." }),
}));

builder.mutationFields((t) => ({
  updateWorkflowSettings: t.prismaField({
    type: 'Workflow',
    description: "Sets the workflow's default budget and its limit of running model calls: an argument left out stays as it is, null lifts it; a budget or limit of 0 or less is a ValidationError.",
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), budget: t.arg({ type: BudgetInput }), maxConcurrentCalls: t.arg.int() },
    resolve: (_query, _root, { id, budget, maxConcurrentCalls }, ctx) => updateWorkflowSettings(ctx.db, ctx.tenant.id, String(id), { budget, maxConcurrentCalls }),
  }),
  setTenantCallLimit: t.prismaField({
    type: 'Tenant',
    description: "Sets how many of a workspace's model calls run at once, across all workers (admin keys only; null lifts it). Calls past it wait, oldest first; other workspaces are not held up. `tenantId` defaults to the caller's.",
    errors: { types: [ForbiddenError, NotFoundError, ValidationError] },
    args: { tenantId: t.arg.id(), maxConcurrentCalls: t.arg.int() },
    resolve: (_query, _root, { tenantId, maxConcurrentCalls }, ctx) => setTenantCallLimit(ctx.db, ctx.tenant, tenantId ? String(tenantId) : ctx.tenant.id, maxConcurrentCalls ?? null),
  }),
  setTenantBudget: t.prismaField({
    type: 'Tenant',
    description: "Sets a workspace's daily and monthly limits (admin keys only): a model call that could take it past one does not start. `tenantId` defaults to the caller's.",
    errors: { types: [ForbiddenError, NotFoundError, ValidationError] },
    args: { tenantId: t.arg.id(), budget: t.arg({ type: TenantBudgetInput, required: true }) },
    resolve: (_query, _root, { tenantId, budget }, ctx) => setTenantBudget(ctx.db, ctx.tenant, tenantId ? String(tenantId) : ctx.tenant.id, budget),
  }),
}));
