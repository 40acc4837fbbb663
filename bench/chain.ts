import type { ModelCall } from './fake-model.ts';

/** A markdown chain of `steps` steps, each prompting `Step <i> of run <n>.` (so calls can be told apart by run). */
export const chain = (steps: number) => `# Chain
## Inputs
- n: Run (number, required)
## Agents
### Worker
Works.
Model: Haiku
## Steps
${Array.from({ length: steps }, (_, i) => `### S${i}\nAgent: Worker\nStep ${i} of run {{inputs.n}}.\n`).join('\n')}`;

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** Step handoffs from the fake model's log: per run, a step's request received − the previous step's answer sent. */
export function handoffsOf(calls: ModelCall[]): number[] {
  const byRun = new Map<string, { step: number; receivedAt: number; answeredAt: number }[]>();
  for (const call of calls) {
    const [, step, n] = /^Step (\d+) of run (\d+)\./.exec(call.prompt)!;
    byRun.set(n, [...(byRun.get(n) ?? []), { step: Number(step), receivedAt: call.receivedAt, answeredAt: call.answeredAt }]);
  }
  return [...byRun.values()].flatMap((run) => run.sort((a, b) => a.step - b.step).slice(1).map((call, i) => call.receivedAt - run[i].answeredAt));
}
