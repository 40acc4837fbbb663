import { didYouMean } from '../compiler/notes.ts';
import type { Mode } from './config.ts';
import { field, type Problems } from './problems.ts';
import type { RecipeStep } from './steps.ts';

/** How the steps run: the order, what each waits for, and which outputs exist when it starts. */
export interface Graph {
  /** The steps by `order`, ties in the order they are listed. */
  sequence: RecipeStep[];
  /** The plan's `dependsOn` of each step. */
  dependsOn: Map<RecipeStep, RecipeStep[]>;
  /** The steps whose output `{previous_output}` and the appended context mean. */
  previous: (step: RecipeStep) => RecipeStep[];
  /** Whether `target` has finished whenever `step` starts; undefined when a cycle makes that meaningless. */
  upstream: ((target: RecipeStep, step: RecipeStep) => boolean) | undefined;
}

/** `depends_on` resolved to steps; unknown and self references reported. */
function explicitDependencies(steps: RecipeStep[], problems: Problems): Map<RecipeStep, RecipeStep[] | undefined> {
  const byStepId = new Map<string, RecipeStep>();
  for (const step of steps) if (step.stepId !== undefined && !byStepId.has(step.stepId)) byStepId.set(step.stepId, step);
  const known = [...byStepId.keys()];
  const resolved = new Map<RecipeStep, RecipeStep[] | undefined>();
  for (const step of steps) {
    if (!step.dependsOn) {
      resolved.set(step, undefined);
      continue;
    }
    const targets: RecipeStep[] = [];
    for (const { ref, path } of step.dependsOn) {
      const target = byStepId.get(ref);
      if (!target) problems.add(path, 'UNKNOWN_DEPENDENCY', `No step has the step_id \`${ref}\`.${didYouMean(ref, known)}${known.length ? ` Steps: ${known.join(', ')}.` : ''}`);
      else if (target === step) problems.add(path, 'SELF_DEPENDENCY', `Step \`${ref}\` cannot depend on itself.`);
      else if (!targets.includes(target)) targets.push(target);
    }
    resolved.set(step, targets);
  }
  return resolved;
}

/**
 * Reports each dependency cycle once, naming it in the order the steps would run (`a → b → a`),
 * at the `depends_on` of its first listed step. Returns whether there was any.
 */
function reportCycles(steps: RecipeStep[], edges: Map<RecipeStep, RecipeStep[]>, problems: Problems): boolean {
  const state = new Map<RecipeStep, 'visiting' | 'done'>();
  const reported = new Set<string>();
  for (const root of steps) {
    if (state.has(root)) continue;
    // Iterative: a recipe may chain a thousand steps.
    const path: RecipeStep[] = [root];
    const stack = [{ step: root, next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const deps = edges.get(frame.step) ?? [];
      if (frame.next >= deps.length) {
        state.set(frame.step, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const dep = deps[frame.next++];
      if (state.get(dep) === 'visiting') {
        // Reversed, "depends on" becomes the order in which the steps would run.
        const ordered = path.slice(path.indexOf(dep)).reverse();
        const key = ordered.map((s) => s.index).sort((a, b) => a - b).join(',');
        if (reported.has(key)) continue;
        reported.add(key);
        const first = ordered.reduce((a, b) => (b.index < a.index ? b : a));
        const start = ordered.indexOf(first);
        const names = [...ordered.slice(start), ...ordered.slice(0, start), first].map((s) => s.stepId ?? s.id);
        problems.add(field(first.path, 'depends_on'), 'DEPENDENCY_CYCLE', `Dependency cycle: ${names.join(' → ')}. Each step waits for the one before it; remove one of these dependencies.`);
      } else if (!state.has(dep)) {
        state.set(dep, 'visiting');
        path.push(dep);
        stack.push({ step: dep, next: 0 });
      }
    }
  }
  return reported.size > 0;
}

/** Every step's transitive dependencies (the graph has no cycle). */
function ancestry(sequence: RecipeStep[], dependsOn: Map<RecipeStep, RecipeStep[]>): Map<RecipeStep, Set<RecipeStep>> {
  const done = new Map<RecipeStep, Set<RecipeStep>>();
  const visit = (root: RecipeStep) => {
    const stack = [root];
    while (stack.length > 0) {
      const step = stack.at(-1)!;
      const pending = dependsOn.get(step)!.filter((dep) => !done.has(dep));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      if (done.has(step)) continue;
      const all = new Set<RecipeStep>();
      for (const dep of dependsOn.get(step)!) {
        all.add(dep);
        for (const above of done.get(dep)!) all.add(above);
      }
      done.set(step, all);
    }
  };
  for (const step of sequence) visit(step);
  return done;
}

/**
 * Sequential: one step at a time, by order (ties as listed); `depends_on` must agree with that
 * order and changes nothing. Parallel: a step waits for its `depends_on`, or without it for every
 * step of the nearest lower `order`.
 */
export function buildGraph(steps: RecipeStep[], mode: Mode, problems: Problems): Graph {
  const rank = (step: RecipeStep) => step.order ?? Number.POSITIVE_INFINITY;
  const sequence = [...steps].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  const position = new Map(sequence.map((step, i) => [step, i]));
  const explicit = explicitDependencies(steps, problems);
  const dependsOn = new Map<RecipeStep, RecipeStep[]>();
  for (const step of sequence) {
    if (mode === 'sequential') {
      const i = position.get(step)!;
      dependsOn.set(step, i > 0 ? [sequence[i - 1]] : []);
      continue;
    }
    const given = explicit.get(step);
    if (given) {
      dependsOn.set(step, [...given].sort((a, b) => position.get(a)! - position.get(b)!));
      continue;
    }
    const lower = step.order === undefined ? [] : sequence.filter((other) => other.order !== undefined && other.order < step.order!);
    const nearest = lower.at(-1)?.order;
    dependsOn.set(step, lower.filter((other) => other.order === nearest));
  }

  const cyclic = reportCycles(steps, mode === 'sequential' ? new Map([...explicit].map(([s, d]) => [s, d ?? []])) : dependsOn, problems);
  if (mode === 'sequential' && !cyclic) {
    for (const step of steps) {
      for (const target of explicit.get(step) ?? []) {
        if (position.get(target)! > position.get(step)!) {
          problems.add(step.dependsOn!.find((d) => d.ref === target.stepId)!.path, 'DEPENDS_ON_LATER_STEP', `In sequential mode steps run by \`order\`, and \`${target.stepId}\` runs after \`${step.stepId}\`. Give it a lower order, or use \`execution_config.mode: "parallel"\`.`);
        }
      }
    }
  }

  let ancestors: Map<RecipeStep, Set<RecipeStep>> | undefined;
  const upstream = (target: RecipeStep, step: RecipeStep) => {
    if (mode === 'sequential') return position.get(target)! < position.get(step)!;
    ancestors ??= ancestry(sequence, dependsOn);
    return ancestors.get(step)!.has(target);
  };
  return {
    sequence,
    dependsOn,
    previous: (step) => dependsOn.get(step) ?? [],
    upstream: cyclic ? undefined : upstream,
  };
}
