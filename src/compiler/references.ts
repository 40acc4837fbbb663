import { parseExpression, expressionPaths } from './expression.ts';
import { findStep, type Ancestry } from './graph.ts';
import { didYouMean, type Notes, type Position } from './notes.ts';
import { dig, parsePath, type Segment } from './paths.ts';
import type { JsonValue, PlanInput } from './plan.ts';
import type { StepDraft } from './steps.ts';
import { scanTemplates } from './templates.ts';

const ROOTS = ['inputs', 'steps', 'item', 'index', 'workflow', 'execution'];

/** Where a path is used, which decides what it may name. */
interface Use {
  /** The step whose prompt, condition or `For each` holds the path; undefined in the Output section. */
  step?: StepDraft;
  /** `item` and `index` are in scope (the prompt of a `For each` step). */
  item: boolean;
  at: Position;
}

export interface Scope {
  inputs: PlanInput[];
  steps: StepDraft[];
  byId: Map<string, StepDraft>;
  /** Undefined when the dependency graph has a cycle: ancestry is then meaningless. */
  ancestry: Ancestry | undefined;
  notes: Notes;
}

/** Follows a JSON path through an example shape; returns the first segment that does not exist. */
function missingField(shape: JsonValue, segments: Segment[]): { segment: Segment; keys: string[] } | undefined {
  let current: JsonValue = shape;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      current = typeof segment === 'number' || /^\d+$/.test(segment) ? (current[0] ?? null) : current;
      if (typeof segment === 'number' || /^\d+$/.test(segment)) continue;
    }
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!(segment in current)) return { segment, keys: Object.keys(current) };
    current = current[segment as string];
  }
  return undefined;
}

/** Makes `step` depend on `target` when the reference needs it; reports references that cannot be satisfied. */
function requireUpstream(scope: Scope, use: Use, target: StepDraft, path: string): void {
  const step = use.step;
  if (!step) return;
  if (target === step) {
    scope.notes.error('SELF_REFERENCE', `Step \`${step.id}\` cannot use its own \`${path}\`.`, use.at);
    return;
  }
  const { ancestry } = scope;
  if (!ancestry || ancestry.has(target.id, step.id)) return;
  if (ancestry.has(step.id, target.id)) {
    scope.notes.error('STEP_NOT_UPSTREAM', `\`${path}\` does not exist yet when \`${step.id}\` runs: \`${target.id}\` runs after it (it depends on \`${step.id}\`).`, use.at);
    return;
  }
  ancestry.add(step, target.id);
  scope.notes.info('IMPLICIT_DEPENDENCY', `\`${step.id}\` now also depends on \`${target.id}\`, because it uses \`${path}\`. Add it to \`Depends on\` to say so explicitly.`, use.at);
}

/** Checks one path; returns the step it reads, if any. */
export function checkPath(scope: Scope, path: string, use: Use): StepDraft | undefined {
  const segments = parsePath(path);
  const { notes } = scope;
  if (!segments) {
    notes.error('INVALID_PATH', `\`${path}\` is not a path such as \`inputs.topic\` or \`steps.research.output\`.`, use.at);
    return undefined;
  }
  const [root, name, field, ...rest] = segments.map(String);
  const extra = (allowed: number) => {
    if (segments.length > allowed) notes.error('INVALID_PATH', `\`${path}\` goes deeper than \`${segments.slice(0, allowed).join('.')}\`, which has no fields.`, use.at);
  };
  switch (root) {
    case 'inputs': {
      const input = scope.inputs.find((i) => i.name === name);
      if (!name) notes.error('INVALID_PATH', 'Name the input: `inputs.<name>`.', use.at);
      else if (!input) notes.error('UNKNOWN_INPUT', `No input is named \`${name}\`.${didYouMean(name, scope.inputs.map((i) => i.name))}`, use.at);
      else if (input.type !== 'object') extra(2);
      return undefined;
    }
    case 'steps': {
      const target = name === undefined ? undefined : scope.byId.get(name) ?? findStep(scope.steps, name);
      if (!target || target.id !== name) {
        const hint = target ? ` Use its id: \`steps.${target.id}.output\`.` : didYouMean(name ?? '', scope.steps.map((s) => s.id));
        notes.error('UNKNOWN_STEP', `No step has the id \`${name ?? ''}\`.${hint}`, use.at);
        return undefined;
      }
      if (field !== 'output' && field !== 'status') {
        notes.error('INVALID_PATH', `After \`steps.${name}\` comes \`.output\` or \`.status\`${field === undefined ? '' : `, not \`${field}\``}.`, use.at);
        return undefined;
      }
      if (field === 'status') extra(3);
      if (field === 'output' && rest.length > 0) {
        if (target.outputFormat !== 'json' && !target.forEach) {
          notes.error('OUTPUT_NOT_JSON', `\`${path}\` reads a field, but \`${target.id}\` answers in ${target.outputFormat}: give it \`Output: json\`.`, use.at);
        } else if (target.outputSchema !== null && !target.forEach) {
          const missing = missingField(target.outputSchema, segments.slice(3));
          if (missing) {
            notes.error('UNKNOWN_FIELD', `\`${missing.segment}\` is not in the JSON shape of \`${target.id}\`.${didYouMean(String(missing.segment), missing.keys)}`, use.at);
          }
        }
      }
      requireUpstream(scope, use, target, path);
      return target;
    }
    case 'item':
    case 'index':
      if (!use.item) {
        const why = use.step?.forEach ? 'a condition is checked once for the whole step' : 'only a `For each` step has items';
        notes.error('ITEM_OUTSIDE_FOR_EACH', `\`${path}\` is not available here: ${why}.`, use.at);
      } else if (root === 'index') extra(1);
      return undefined;
    case 'workflow':
    case 'execution': {
      const expected = root === 'workflow' ? 'name' : 'id';
      if (name !== expected || segments.length > 2) notes.error('INVALID_PATH', `\`${root}\` only has \`${root}.${expected}\`.`, use.at);
      return undefined;
    }
    default:
      notes.error('UNKNOWN_PATH', `\`${path}\` does not start with ${ROOTS.map((r) => `\`${r}\``).join(', ')}.${didYouMean(root, ROOTS)}`, use.at);
      return undefined;
  }
}

/** Positions of an offset inside a text whose lines come from `lines` (1-based source lines). */
export function positionIn(text: string, lines: number[], offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: lines[before.length - 1] ?? lines[0] ?? 1, column: before.at(-1)!.length + 1 };
}

/** Checks the `{{ }}` templates of a text. */
export function checkTemplates(scope: Scope, text: string, lines: number[], use: Omit<Use, 'at'>): void {
  const { refs, problems } = scanTemplates(text);
  for (const problem of problems) scope.notes.error(problem.code, problem.message, positionIn(text, lines, problem.offset));
  for (const ref of refs) checkPath(scope, ref.path, { ...use, at: positionIn(text, lines, ref.offset) });
}

/** Checks a step's prompt, condition and `For each`, adding the dependencies they imply. */
export function checkStepReferences(scope: Scope, step: StepDraft): void {
  const { notes } = scope;
  const condition = step.properties.get('Condition');
  if (condition) {
    const parsed = parseExpression(condition.value, condition.valueAt.column);
    const at = (offset: number) => ({ line: condition.valueAt.line, column: condition.valueAt.column + offset });
    if ('error' in parsed) notes.error('INVALID_CONDITION', `The condition does not parse: ${parsed.error}.`, at(parsed.offset));
    else for (const { path, offset } of expressionPaths(parsed.expression)) checkPath(scope, path, { step, item: false, at: at(offset) });
  }
  const forEach = step.properties.get('For each');
  if (forEach) checkForEach(scope, step, forEach.value, forEach.valueAt);
  checkTemplates(scope, step.prompt, step.promptLines, { step, item: Boolean(step.forEach) });
}

function checkForEach(scope: Scope, step: StepDraft, path: string, at: Position): void {
  const segments = parsePath(path);
  const root = segments?.[0];
  if (root !== 'inputs' && root !== 'steps') {
    scope.notes.error('INVALID_FOR_EACH', `\`For each\` needs a list: \`inputs.<name>\` or \`steps.<id>.output…\`, not \`${path}\`.`, at);
    return;
  }
  if (root === 'inputs') {
    const input = scope.inputs.find((i) => i.name === segments![1]);
    if (input && segments!.length === 2 && !input.type.endsWith('[]')) {
      scope.notes.error('FOR_EACH_NOT_LIST', `\`${path}\` is a ${input.type}, not a list: declare it as \`string[]\` or \`number[]\`.`, at);
      return;
    }
  }
  const target = checkPath(scope, path, { step, item: false, at });
  if (target && segments!.length === 3 && target.outputFormat !== 'json' && !target.forEach) {
    scope.notes.error('FOR_EACH_NOT_LIST', `\`${path}\` is ${target.outputFormat} text, not a list: give \`${target.id}\` \`Output: json\`.`, at);
  } else if (target && target.outputFormat === 'json' && target.outputSchema !== null && !target.forEach) {
    const shape = dig(target.outputSchema, segments!.slice(3));
    if (shape !== undefined && !Array.isArray(shape)) {
      scope.notes.error('FOR_EACH_NOT_LIST', `\`${path}\` is not a list in the JSON shape of \`${target.id}\`.`, at);
    }
  }
}

/** `On reject: revise <step>` must name an upstream step that has an agent. */
export function checkRevise(scope: Scope, step: StepDraft): void {
  if (!step.reviseRef) return;
  const { ref, at } = step.reviseRef;
  const target = findStep(scope.steps, ref);
  if (!target) {
    scope.notes.error('INVALID_REVISE_TARGET', `No step has the id \`${ref}\`.${didYouMean(ref, scope.steps.map((s) => s.id))}`, at);
  } else if (!target.agent) {
    scope.notes.error('INVALID_REVISE_TARGET', `\`${target.id}\` has no agent, so it cannot revise its work.`, at);
  } else if (target !== step && scope.ancestry && !scope.ancestry.has(target.id, step.id)) {
    scope.notes.error('INVALID_REVISE_TARGET', `\`${target.id}\` is not upstream of \`${step.id}\`: only a step this one depends on can be revised.`, at);
  } else {
    step.reviseStep = target.id;
  }
}
