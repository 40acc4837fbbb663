import { didYouMean, type Notes } from './notes.ts';
import { slug } from './slug.ts';
import type { StepDraft } from './steps.ts';

/** Finds a step by id, exact title (any case) or the slug of what was written. */
export function findStep(steps: StepDraft[], ref: string): StepDraft | undefined {
  const lower = ref.toLowerCase();
  return steps.find((step) => step.id === ref) ?? steps.find((step) => step.title.toLowerCase() === lower || step.id === slug(ref));
}

/** Fills `dependsOn`: the `Depends on` references resolved, or by default the previous step. */
export function resolveDependencies(steps: StepDraft[], notes: Notes): void {
  steps.forEach((step, index) => {
    if (!step.dependencyRefs) {
      step.dependsOn = index > 0 ? [steps[index - 1].id] : [];
      return;
    }
    for (const { ref, at } of step.dependencyRefs) {
      const target = findStep(steps, ref);
      if (!target) {
        notes.error('UNKNOWN_STEP', `No step has the id or title \`${ref}\`.${didYouMean(ref, steps.map((s) => s.id))}`, at);
      } else if (target === step) {
        notes.error('SELF_DEPENDENCY', `Step \`${step.id}\` cannot depend on itself.`, at);
      } else if (!step.dependsOn.includes(target.id)) {
        step.dependsOn.push(target.id);
      }
    }
  });
}

/**
 * Reports every dependency cycle once, naming it in the order the steps would run
 * (`a → b → c → a`), at the `Depends on` line of its first step in the document.
 * Returns whether there was any.
 */
export function reportCycles(steps: StepDraft[], notes: Notes): boolean {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  let found = false;
  for (const root of steps) {
    if (state.has(root.id)) continue;
    // Iterative depth-first search: documents may chain thousands of steps.
    const path: string[] = [];
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    state.set(root.id, 'visiting');
    path.push(root.id);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const deps = byId.get(frame.id)!.dependsOn;
      if (frame.next >= deps.length) {
        state.set(frame.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const dep = deps[frame.next++];
      if (state.get(dep) === 'visiting') {
        const cycle = path.slice(path.indexOf(dep));
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          found = true;
          // `cycle` follows "depends on"; reversed it is the order in which the steps would run.
          const ordered = [...cycle].reverse();
          const first = steps.find((step) => ordered.includes(step.id))!;
          const start = ordered.indexOf(first.id);
          const names = [...ordered.slice(start), ...ordered.slice(0, start), first.id];
          const at = first.properties.get('Depends on')?.valueAt ?? first.at;
          notes.error('DEPENDENCY_CYCLE', `Dependency cycle: ${names.join(' → ')}. Each step waits for the one before it; remove one of these dependencies.`, at);
        }
      } else if (!state.has(dep)) {
        state.set(dep, 'visiting');
        path.push(dep);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return found;
}

/** Whether `ancestor` runs before `step` through its dependencies. */
export function isAncestor(steps: Map<string, StepDraft>, ancestor: string, step: string): boolean {
  const seen = new Set<string>();
  const stack = [...(steps.get(step)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === ancestor) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(steps.get(id)?.dependsOn ?? []));
  }
  return false;
}
