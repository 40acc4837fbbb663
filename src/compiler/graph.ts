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

/**
 * "Does a run before b?" for an acyclic graph that grows while templates are checked. Each step's
 * ancestors are a bitset, computed on first use; adding a dependency forgets the sets that may
 * change. Documents may have thousands of steps, so neither recursion nor a walk per question.
 */
export class Ancestry {
  private readonly index: Map<string, number>;
  private readonly sets: (Uint32Array | undefined)[];
  private readonly words: number;

  constructor(private readonly steps: StepDraft[]) {
    this.index = new Map(steps.map((step, i) => [step.id, i]));
    this.sets = new Array(steps.length);
    this.words = Math.ceil(steps.length / 32);
  }

  private ancestors(root: number): Uint32Array {
    const stack = [root];
    while (stack.length > 0) {
      const i = stack.at(-1)!;
      if (this.sets[i]) {
        stack.pop();
        continue;
      }
      const deps = this.steps[i].dependsOn.map((id) => this.index.get(id)!).filter((d) => d !== undefined);
      const missing = deps.filter((d) => !this.sets[d]);
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      const set = new Uint32Array(this.words);
      for (const d of deps) {
        const other = this.sets[d]!;
        for (let w = 0; w < this.words; w++) set[w] |= other[w];
        set[d >>> 5] |= 1 << (d & 31);
      }
      this.sets[i] = set;
      stack.pop();
    }
    return this.sets[root]!;
  }

  /** Whether `ancestor` runs before `step` through its dependencies. */
  has(ancestor: string, step: string): boolean {
    const a = this.index.get(ancestor);
    const s = this.index.get(step);
    if (a === undefined || s === undefined) return false;
    return (this.ancestors(s)[a >>> 5] & (1 << (a & 31))) !== 0;
  }

  /** Records that `step` now depends on `dep`: the ancestors of `step` and of its descendants change. */
  add(step: StepDraft, dep: string): void {
    step.dependsOn.push(dep);
    const s = this.index.get(step.id)!;
    this.sets.forEach((set, i) => {
      if (set && (i === s || (set[s >>> 5] & (1 << (s & 31))) !== 0)) this.sets[i] = undefined;
    });
  }
}
