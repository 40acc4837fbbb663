import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../src/compiler/models.ts';
import type { Plan } from '../../src/compiler/plan.ts';
import { decide, key, type StepState } from '../../src/engine/decide.ts';
import { compileRecipe } from '../../src/recipes/compile.ts';
import { agents, recipe, step } from './stored-agents.ts';

const fresh = (plan: Plan) => new Map(plan.steps.map((s) => [key(s.id, -1), { stepId: s.id, itemIndex: -1, status: 'pending', attempt: 0, queued: false, output: null, outputJson: null, feedback: null } satisfies StepState]));

/** Runs the plan through the engine's pure `decide`, completing each enqueued step (or failing the named ones): the waves of steps that ran, and how it ended. */
function simulate(plan: Plan, failing: string[] = []): { waves: string[][]; end: string } {
  const states = fresh(plan);
  const waves: string[][] = [];
  for (let round = 0; round < 100; round++) {
    const actions = decide(plan, states, {}, 'exec_test');
    const end = actions.find((a) => a.kind === 'finish' || a.kind === 'fail');
    if (end) return { waves, end: end.kind };
    const ready = actions.flatMap((a) => (a.kind === 'enqueue' ? [a.stepId] : []));
    if (ready.length === 0) return { waves, end: 'stuck' };
    waves.push(ready);
    for (const id of ready) Object.assign(states.get(key(id, -1))!, { status: failing.includes(id) ? 'failed' : 'completed', output: `${id} done` });
  }
  return { waves, end: 'endless' };
}

const compiled = (value: unknown) => {
  const result = compileRecipe(value, agents, DEFAULT_MODELS);
  expect(result.problems).toEqual([]);
  return result.plan;
};

describe('a compiled recipe runs in the engine like a markdown plan', () => {
  it('sequential: one step at a time, by order', () => {
    const plan = compiled(recipe([step('C', 3, 'c'), step('A', 1, 'a'), step('B', 1, 'b')]));
    expect(decide(plan, fresh(plan), {}, 'e')).toEqual([{ kind: 'enqueue', stepId: 'a', itemIndex: -1 }]);
    expect(simulate(plan)).toEqual({ waves: [['a'], ['b'], ['c']], end: 'finish' });
  });

  it('parallel: steps of an order together, depends_on honoured', () => {
    const plan = compiled(recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 2, 'c'), step('D', 2, 'd', { depends_on: ['A'] }), step('E', 3, 'e')], { execution_config: { mode: 'parallel', parallel_limit: 2 } }));
    expect(simulate(plan)).toEqual({ waves: [['a', 'b'], ['c', 'd'], ['e']], end: 'finish' });
  });

  it('parallel_limit: at most that many steps run at once, the next starting as one finishes', () => {
    const plan = compiled(recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 1, 'c'), step('D', 1, 'd'), step('E', 1, 'e')], { execution_config: { mode: 'parallel', parallel_limit: 2 } }));
    expect(plan.maxParallel).toBe(2);
    expect(simulate(plan)).toEqual({ waves: [['a', 'b'], ['c', 'd'], ['e']], end: 'finish' });
    // One of two running finishes: exactly one more starts.
    const states = fresh(plan);
    for (const id of ['a', 'b']) Object.assign(states.get(key(id, -1))!, { status: 'running' });
    expect(decide(plan, states, {}, 'e')).toEqual([]);
    Object.assign(states.get(key('a', -1))!, { status: 'completed', output: 'a done' });
    expect(decide(plan, states, {}, 'e')).toEqual([{ kind: 'enqueue', stepId: 'c', itemIndex: -1 }]);
    // Without a limit, all five at once.
    const unlimited = compiled(recipe([step('A', 1, 'a'), step('B', 1, 'b'), step('C', 1, 'c'), step('D', 1, 'd'), step('E', 1, 'e')], { execution_config: { mode: 'parallel' } }));
    expect(simulate(unlimited).waves).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });

  it('error handling: stop fails the execution, continue goes on', () => {
    const stop = compiled(recipe([step('A', 1, 'a'), step('B', 2, 'b')]));
    expect(simulate(stop, ['a'])).toEqual({ waves: [['a']], end: 'fail' });
    const go = compiled(recipe([step('A', 1, 'a', { error_handling: 'skip' }), step('B', 2, 'b')]));
    expect(simulate(go, ['a'])).toEqual({ waves: [['a'], ['b']], end: 'finish' });
    const retry = compiled(recipe([step('A', 1, 'a', { error_handling: 'retry' }), step('B', 2, 'b')]));
    // Retries are the step job's business; once they are spent, the failure stops the execution.
    expect(simulate(retry, ['a'])).toEqual({ waves: [['a']], end: 'fail' });
  });

  it('a step that requires approval waits for it after running', () => {
    const plan = compiled(recipe([step('A', 1, 'a', { requires_approval: true })]));
    expect(plan.steps[0]).toMatchObject({ agent: 'agent_research', approval: true });
    expect(decide(plan, fresh(plan), {}, 'e')).toEqual([{ kind: 'enqueue', stepId: 'a', itemIndex: -1 }]);
  });
});
