import type { Plan } from '../compiler/plan.ts';
import type { Mode } from './config.ts';
import type { Graph } from './graph.ts';
import { literal } from './templates.ts';

/**
 * The execution's output: the last step's (by order). In parallel mode the steps sharing the
 * highest order all finish last, so the output is theirs, each under its step_id.
 */
export function outputOf(graph: Graph, mode: Mode): Pick<Plan, 'output' | 'outputMode' | 'outputType'> {
  const last = graph.sequence.at(-1);
  if (!last) return { output: '', outputMode: 'path', outputType: 'markdown' };
  const final = mode === 'parallel' ? graph.sequence.filter((step) => step.order === last.order) : [last];
  if (final.length === 1) return { output: `steps.${last.id}.output`, outputMode: 'path', outputType: 'markdown' };
  const parts = final.map((step) => `## ${literal((step.stepId ?? step.id).replace(/\s+/g, ' ').trim())}\n\n{{steps.${step.id}.output}}`);
  return { output: parts.join('\n\n'), outputMode: 'template', outputType: 'markdown' };
}
