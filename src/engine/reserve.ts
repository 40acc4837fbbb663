import type { Claim } from './advance.ts';
import { budgetRoom, BudgetExhausted, type Spend } from './budget.ts';
import { isLive, lockExecution, transaction, type EngineDeps } from './transaction.ts';

/**
 * Reserves `need` more for a running attempt, before a model request its claim did not cover (tool
 * definitions, a further turn, a second try at JSON): under the execution's lock, like a claim, so
 * concurrent attempts never reserve past a budget together. Rejects with BudgetExhausted when it
 * does not fit (or the attempt no longer runs), and nothing is reserved.
 */
export async function reserveMore(deps: EngineDeps, { job }: Claim, need: Spend): Promise<void> {
  await transaction(deps, async (sql) => {
    const execution = await lockExecution(sql, job.executionId);
    if (!execution || !isLive(execution.status)) throw new BudgetExhausted('the execution has ended');
    const limit = (await budgetRoom(sql, execution))?.take(need);
    if (limit) throw new BudgetExhausted(limit);
    await sql.query(
      `UPDATE step_runs SET reserved_tokens = reserved_tokens + $5, reserved_usd = reserved_usd + $6
       WHERE execution_id = $1 AND step_id = $2 AND item_index = $3 AND attempt = $4 AND status = 'running'`,
      [job.executionId, job.stepId, job.itemIndex, job.attempt, need.tokens, need.usd],
    );
  });
}
