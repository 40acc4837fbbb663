import { z } from 'zod';
import { resolveModel, type ModelRegistry } from '../compiler/models.ts';
import { didYouMean } from '../compiler/notes.ts';
import type { Plan, PlanStep } from '../compiler/plan.ts';
import { scanTemplates } from '../compiler/templates.ts';
import { ValidationError } from '../errors.ts';

/** What a fork may change in the plan it runs, per step it runs again: the prompt, the model, the turns of the tool loop. */
const StepOverride = z.strictObject({
  prompt: z.string().min(1).max(100_000).optional(),
  model: z.string().min(1).max(200).optional(),
  maxTurns: z.int().min(1).max(100).optional(),
});

const Overrides = z.strictObject({ steps: z.record(z.string(), StepOverride) });

export type PlanOverrides = z.infer<typeof Overrides>;

/** Every step a step depends on, directly or not. */
function upstream(plan: Plan, step: PlanStep): Set<string> {
  const found = new Set<string>();
  const visit = (id: string) => {
    for (const dep of plan.steps.find((each) => each.id === id)?.dependsOn ?? []) if (!found.has(dep)) (found.add(dep), visit(dep));
  };
  visit(step.id);
  return found;
}

/** What is wrong with an overridden prompt's templates: a path it cannot read when the step runs. */
function promptProblems(plan: Plan, step: PlanStep, prompt: string): string[] {
  const { refs, problems } = scanTemplates(prompt);
  const before = upstream(plan, step);
  const inputs = plan.inputs.map((input) => input.name);
  return [
    ...problems.map((problem) => problem.message),
    ...refs.flatMap(({ path }) => {
      const [root, name] = path.split('.');
      if (root === 'inputs' && !inputs.includes(name)) return [`{{${path}}}: the plan has no input "${name}".${didYouMean(name, inputs)}`];
      if (root === 'steps' && !before.has(name)) return [`{{${path}}}: "${name}" is not a step that ${step.id} depends on${before.size ? ` (it depends on ${[...before].join(', ')})` : ''}`];
      if ((root === 'item' || root === 'index') && !step.forEach) return [`{{${path}}}: only a For each step has an item`];
      if (!['inputs', 'steps', 'item', 'index', 'workflow', 'execution'].includes(root)) return [`{{${path}}}: a template reads inputs, steps, item, index, workflow or execution`];
      return [];
    }),
  ];
}

/**
 * The plan with a fork's overrides applied, or a ValidationError naming every problem: an override
 * that is not an object of known fields, a step the plan lacks or the fork keeps as recorded (it
 * does not run), an unknown model, a prompt whose templates read what the step cannot.
 */
export function applyOverrides(plan: Plan, given: unknown, runs: string[], models: ModelRegistry): Plan {
  const parsed = Overrides.safeParse(given);
  if (!parsed.success) throw new ValidationError('Invalid plan overrides', `planOverrides must look like {"steps": {"<step id>": {"prompt"?, "model"?, "maxTurns"?}}}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  const ids = plan.steps.map((step) => step.id);
  const problems: string[] = [];
  const steps = plan.steps.map((step) => ({ ...step }));
  for (const [id, override] of Object.entries(parsed.data.steps)) {
    const step = steps.find((each) => each.id === id);
    if (!step) {
      problems.push(`the plan has no step "${id}".${didYouMean(id, ids)}`);
      continue;
    }
    if (!runs.includes(id)) problems.push(`step ${id} is kept as recorded, not run again: fork from it (or from a step before it) to change it`);
    if (override.model !== undefined) {
      const modelId = resolveModel(models, override.model);
      if (!modelId) problems.push(`step ${id}: no model "${override.model}" (aliases: ${Object.keys(models).join(', ')}, or a full claude-… id)`);
      else Object.assign(step, { model: override.model, modelId });
    }
    if (override.prompt !== undefined) {
      problems.push(...promptProblems(plan, step, override.prompt).map((problem) => `step ${id}: ${problem}`));
      step.prompt = override.prompt;
    }
    if (override.maxTurns !== undefined) step.maxTurns = override.maxTurns;
  }
  if (problems.length) throw new ValidationError('Invalid plan overrides', problems.join('; '));
  return { ...plan, steps };
}

/**
 * Whether a workflow's newer plan can take over a fork: every step the fork keeps must be there,
 * defined as in the plan that recorded it (with the same agent), or its recorded output would not be
 * what the newer plan asks for. Names the steps that changed.
 */
export function checkRevision(pinned: Plan, newer: Plan, reuse: string[], version: number): void {
  const agentOf = (plan: Plan, step: PlanStep) => plan.agents.find((agent) => agent.id === step.agent);
  const changed = reuse.filter((id) => {
    const [before, after] = [pinned.steps.find((step) => step.id === id), newer.steps.find((step) => step.id === id)];
    return !before || !after || JSON.stringify(before) !== JSON.stringify(after) || JSON.stringify(agentOf(pinned, before)) !== JSON.stringify(agentOf(newer, after));
  });
  if (changed.length) {
    throw new ValidationError(
      'Revision not compatible',
      `Version ${version} of the workflow changed (or removed) ${changed.join(', ')}, which this fork would keep as recorded: fork from ${changed[0]} or a step before it, so that it runs again under the new version.`,
    );
  }
}
