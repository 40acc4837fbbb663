import { executionNotFound } from '../errors.ts';
import type { Db } from '../store/db.ts';

interface StepRow {
  stepId: string;
  itemIndex: number;
  status: string;
  output: string | null;
  outputJson: unknown;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** One step (or For each item) of two executions side by side; a side is null where that execution has no such row. */
export interface StepDiff {
  stepId: string;
  itemIndex: number;
  statusA: string | null;
  statusB: string | null;
  sameOutput: boolean;
  tokensA: number;
  tokensB: number;
  costA: number;
  costB: number;
}

export interface ExecutionDiff {
  a: string;
  b: string;
  /** The first step, in A's plan order, whose status or output differs; null when none does. */
  firstDivergence: string | null;
  steps: StepDiff[];
}

const keyOf = (row: Pick<StepRow, 'stepId' | 'itemIndex'>) => `${row.stepId}#${row.itemIndex}`;
const outputOf = (row: StepRow | undefined) => (row ? JSON.stringify([row.output, row.outputJson ?? null]) : undefined);
const tokens = (row: StepRow | undefined) => (row ? row.tokensIn + row.tokensOut : 0);

/** Compares two executions' steps (pure): A's rows in its order, then rows only B has. */
export function diffSteps(a: StepRow[], b: StepRow[]): Omit<ExecutionDiff, 'a' | 'b'> {
  const inA = new Map(a.map((row) => [keyOf(row), row]));
  const inB = new Map(b.map((row) => [keyOf(row), row]));
  const steps = [...a, ...b.filter((row) => !inA.has(keyOf(row)))].map((row): StepDiff => {
    const left = inA.get(keyOf(row));
    const right = inB.get(keyOf(row));
    return {
      stepId: row.stepId,
      itemIndex: row.itemIndex,
      statusA: left?.status ?? null,
      statusB: right?.status ?? null,
      sameOutput: outputOf(left) === outputOf(right),
      tokensA: tokens(left),
      tokensB: tokens(right),
      costA: left?.costUsd ?? 0,
      costB: right?.costUsd ?? 0,
    };
  });
  const diverging = steps.find((step) => !step.sameOutput || step.statusA !== step.statusB);
  return { firstDivergence: diverging?.stepId ?? null, steps };
}

const STEP_FIELDS = { stepId: true, itemIndex: true, status: true, output: true, outputJson: true, tokensIn: true, tokensOut: true, costUsd: true } as const;

/** `executionDiff`: two of the tenant's executions compared step by step. */
export async function executionDiff(db: Db, tenantId: string, a: string, b: string): Promise<ExecutionDiff> {
  const executions = await db.execution.findMany({
    where: { tenantId, id: { in: [a, b] } },
    select: { id: true, steps: { select: STEP_FIELDS, orderBy: [{ position: 'asc' }, { itemIndex: 'asc' }] } },
  });
  const rows = (id: string) => {
    const found = executions.find((execution) => execution.id === id);
    if (!found) throw executionNotFound(id);
    return found.steps;
  };
  return { a, b, ...diffSteps(rows(a), rows(b)) };
}
