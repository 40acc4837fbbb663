import { dig, parsePath } from '../compiler/paths.ts';
import type { JsonValue } from '../compiler/plan.ts';
import { renderTemplate } from '../compiler/templates.ts';

/** A finished (or skipped) step as later steps see it. */
export interface StepValue {
  status: string;
  /** Text for markdown/text steps, the parsed value for JSON steps, the items' outputs for a `For each` step. */
  output: JsonValue;
  forEach: boolean;
}

/** Everything a template or condition can read (spec §6.1). */
export interface RenderScope {
  inputs: Record<string, JsonValue>;
  steps: Record<string, StepValue>;
  item?: JsonValue;
  index?: number;
  workflow: { name: string };
  execution: { id: string };
}

const FOR_EACH_SEPARATOR = '\n\n---\n\n';

/** The raw value a path names, or undefined when there is none. */
export function readPath(path: string, scope: RenderScope): unknown {
  const segments = parsePath(path);
  if (!segments) return undefined;
  const [root, name, field, ...rest] = segments;
  switch (root) {
    case 'inputs':
      return dig(scope.inputs, segments.slice(1));
    case 'steps': {
      const step = scope.steps[String(name)];
      if (!step) return undefined;
      if (field === 'status') return step.status;
      if (field !== 'output') return undefined;
      const output = step.status === 'skipped' ? '' : step.output;
      return rest.length > 0 ? dig(output, rest) : output;
    }
    case 'item':
      return dig(scope.item, segments.slice(1));
    case 'index':
      return scope.index;
    case 'workflow':
      return name === 'name' ? scope.workflow.name : undefined;
    case 'execution':
      return name === 'id' ? scope.execution.id : undefined;
    default:
      return undefined;
  }
}

/** Strings as they are, numbers and booleans as text, lists of strings comma-separated, the rest as pretty JSON. */
export function renderValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(', ');
  return JSON.stringify(value, null, 2);
}

/** Renders `{{ path }}`s. A `For each` step's whole output is its items' outputs separated by `---`. */
export function renderText(text: string, scope: RenderScope): string {
  return renderTemplate(text, (path) => {
    const segments = parsePath(path)!;
    const step = segments[0] === 'steps' ? scope.steps[String(segments[1])] : undefined;
    if (step?.forEach && step.status !== 'skipped' && segments.length === 3 && segments[2] === 'output' && Array.isArray(step.output)) {
      return step.output.map(renderValue).join(FOR_EACH_SEPARATOR);
    }
    return renderValue(readPath(path, scope));
  });
}
