import { estimateCost, type PriceTable } from '../agents/prices.ts';
import type { Sql } from './transaction.ts';
import { ValidationError } from '../errors.ts';
import { lockTenant } from './limits.ts';

/** What a model call may spend at most, or what a budget has left: tokens (input, output and cache, all billed) and US dollars. */
export interface Spend {
  tokens: number;
  usd: number;
}

/** A budget that binds an execution: what it is called in messages, and what it has left. */
interface Limit {
  name: string;
  unit: keyof Spend;
  left: number;
}

/** Why a call could not be reserved: `budget exhausted: <the limit that binds>`. */
export class BudgetExhausted extends Error {
  constructor(readonly limit: string) {
    super(`budget exhausted: ${limit}`);
  }
}

/** What the engine knows of an execution's budgets when it locks it. */
export interface Budgeted {
  id: string;
  tenantId: string;
  budgetTokens: number | null;
  budgetUsd: number | null;
  /** Whether its tenant has a daily or monthly limit. */
  tenantBudgeted: boolean;
}

export const hasBudget = (execution: Budgeted) => execution.budgetTokens !== null || execution.budgetUsd !== null || execution.tenantBudgeted;

/**
 * Framing a request adds to its text (roles, the system block), counted generously. A token is at
 * least one byte of UTF-8, so bytes plus this bound the input tokens without asking the API.
 */
const FRAMING_TOKENS = 32;

/**
 * The worst a call can cost: its input's UTF-8 bytes (each token is at least one byte) and its
 * `max_tokens`, priced as the model's. An upper bound without a round trip to the API, so a call
 * that reserves it never takes a budget past its limit.
 */
export function worstCase(prices: PriceTable, modelId: string, input: string, maxTokens: number): Spend {
  const tokensIn = Buffer.byteLength(input) + FRAMING_TOKENS;
  return { tokens: tokensIn + maxTokens, usd: estimateCost(prices, modelId, { tokensIn, tokensOut: maxTokens, tokensCacheRead: 0, tokensCacheWrite: 0 }) };
}

const money = (usd: number) => `${Number(usd.toFixed(6))} USD`;
const SPENT = `COALESCE(sum(cost_usd), 0)::float8 AS usd, COALESCE(sum(tokens_in + tokens_out + tokens_cache_read + tokens_cache_write), 0)::float8 AS tokens`;
const RESERVED = `COALESCE(sum(reserved_usd) FILTER (WHERE status = 'running'), 0)::float8 AS "reservedUsd", COALESCE(sum(reserved_tokens) FILTER (WHERE status = 'running'), 0)::float8 AS "reservedTokens"`;

/** What an execution has spent, and reserves now for its running model calls. */
export type Totals = Spend & { reservedUsd: number; reservedTokens: number };

/** What one execution has spent, and reserves for its running attempts. */
export async function executionSpend(sql: Sql, executionId: string): Promise<Totals> {
  const [row] = await sql.query<Totals>(`SELECT ${SPENT}, ${RESERVED} FROM step_runs WHERE execution_id = $1`, [executionId]);
  return row;
}

/**
 * The room an execution's budgets leave, read under its lock (`read`: its spend, already read in
 * this transaction after its last write). A tenant's limits are shared by its
 * executions, so its budget is read under a transaction lock of its own, held until commit: the
 * reservations written meanwhile are seen by the next reader. Undefined: no budget binds.
 */
export async function budgetRoom(sql: Sql, execution: Budgeted, read?: Totals): Promise<Room | undefined> {
  if (!hasBudget(execution)) return undefined;
  const limits: Limit[] = [];
  if (execution.budgetTokens !== null || execution.budgetUsd !== null) {
    const spent = read ?? (await executionSpend(sql, execution.id));
    const what = (unit: string) => `the execution's budget of ${unit} (spent ${money(spent.usd)}, ${spent.tokens} tokens)`;
    if (execution.budgetTokens !== null) limits.push({ name: what(`${execution.budgetTokens} tokens`), unit: 'tokens', left: execution.budgetTokens - spent.tokens - spent.reservedTokens });
    if (execution.budgetUsd !== null) limits.push({ name: what(money(execution.budgetUsd)), unit: 'usd', left: execution.budgetUsd - spent.usd - spent.reservedUsd });
  }
  if (execution.tenantBudgeted) limits.push(...(await tenantLimits(sql, execution.tenantId)));
  return new Room(limits);
}

/** A tenant's daily and monthly limits, with what its executions spent in the UTC day and month and reserve now. */
async function tenantLimits(sql: Sql, tenantId: string): Promise<Limit[]> {
  await lockTenant(sql, tenantId);
  const [row] = await sql.query<{ perDay: number | null; perMonth: number | null; tokensPerDay: number | null; dayUsd: number; dayTokens: number; monthUsd: number } & Omit<Totals, keyof Spend>>(
    `WITH today AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day),
          spend AS (
            SELECT COALESCE(sum(usd) FILTER (WHERE d.day = today.day), 0)::float8 AS "dayUsd", COALESCE(sum(tokens) FILTER (WHERE d.day = today.day), 0)::float8 AS "dayTokens",
                   COALESCE(sum(usd), 0)::float8 AS "monthUsd"
            FROM tenant_spend_days d, today WHERE d.tenant_id = $1 AND d.day >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          reserved AS (
            SELECT ${RESERVED} FROM step_runs
            WHERE status = 'running' AND reserved_tokens > 0 AND EXISTS (SELECT 1 FROM executions e WHERE e.id = step_runs.execution_id AND e.tenant_id = $1))
     SELECT t.budget_usd_per_day AS "perDay", t.budget_usd_per_month AS "perMonth", t.budget_tokens_per_day AS "tokensPerDay", spend.*, reserved.*
     FROM tenants t, spend, reserved WHERE t.id = $1`,
    [tenantId],
  );
  const limits: Limit[] = [];
  if (row.perDay !== null) limits.push({ name: `the workspace's daily budget of ${money(row.perDay)} (spent today ${money(row.dayUsd)})`, unit: 'usd', left: row.perDay - row.dayUsd - row.reservedUsd });
  if (row.perMonth !== null) limits.push({ name: `the workspace's monthly budget of ${money(row.perMonth)} (spent this month ${money(row.monthUsd)})`, unit: 'usd', left: row.perMonth - row.monthUsd - row.reservedUsd });
  if (row.tokensPerDay !== null) limits.push({ name: `the workspace's daily budget of ${row.tokensPerDay} tokens (spent today ${row.dayTokens})`, unit: 'tokens', left: row.tokensPerDay - row.dayTokens - row.reservedTokens });
  return limits;
}

/** What the budgets of one execution have left in this transaction; each reservation taken lowers it. */
export class Room {
  constructor(private readonly limits: Limit[]) {}

  /** Takes `need` from every limit, or names the first it does not fit (and takes nothing). */
  take(need: Spend): string | undefined {
    const short = this.limits.find((limit) => need[limit.unit] > limit.left);
    if (short) return short.name;
    for (const limit of this.limits) limit.left -= need[limit.unit];
    return undefined;
  }

  /** What is left now, to take from without changing this room. */
  copy(): Room {
    return new Room(this.limits.map((limit) => ({ ...limit })));
  }
}

/** A budget as asked for: tokens, US dollars, or both; null or absent: no limit of that kind. */
export interface Budget {
  tokens?: number | null;
  usd?: number | null;
}

/** A ValidationError naming what is wrong with a budget: each limit given must be above zero (tokens: a whole number). */
export function checkBudget(budget: Budget | null | undefined, names = { tokens: 'budget.tokens', usd: 'budget.usd' }): { tokens: number | null; usd: number | null } | null {
  if (!budget) return null;
  const { tokens = null, usd = null } = budget;
  const problems = [
    ...(tokens !== null && !(Number.isSafeInteger(tokens) && tokens > 0 && tokens <= 2_147_483_647) ? [`${names.tokens} must be a whole number from 1 to 2147483647, not ${tokens}`] : []),
    ...(usd !== null && !(Number.isFinite(usd) && usd > 0) ? [`${names.usd} must be above 0, not ${usd}`] : []),
  ];
  if (problems.length) throw new ValidationError('Invalid budget', `${problems.join('; ')}: a budget stops a run before it spends more; to run without one, leave it out`);
  return tokens === null && usd === null ? null : { tokens, usd };
}
