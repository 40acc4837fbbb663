import { z } from 'zod';

// Fork from a step and retry (issue #19): not in the product document; Baton's own, in its style.

const json = z.custom<z.core.util.JSONType>((value) => value !== undefined).describe('Any JSON value');

export const ForkBody = z.object({
  from_step: z.string().min(1).describe('The step to run again; everything depending on it runs again too'),
  inputs: z.record(z.string(), json).nullish().describe('Input name → value, overriding the original inputs by name'),
  on_latest: z.boolean().nullish().describe("Run the workflow's current version instead of the plan the execution pinned; 400 naming the steps when one the fork keeps changed there"),
  plan_overrides: json.nullish().describe('{"steps": {"<step id>": {"prompt"?, "model"?, "maxTurns"?}}}: changes to steps the fork runs; 400 naming every problem'),
});

export const ForkPreview = z.object({
  steps_to_run: z.array(z.string()).describe('Plan order: the step, its dependents, and any step that had not completed'),
  steps_reused: z.array(z.string()).describe('Kept as recorded: no model call, no cost'),
  estimated_tokens: z.number().int().describe('Tokens the steps to run took when they last ran'),
  estimated_cost_usd: z.number(),
  unestimated_steps: z.array(z.string()).describe('Steps to run with no past run to judge by'),
});

export const ForkStarted = z.object({
  execution_id: z.string(),
  status: z.enum(['running', 'awaiting_approval', 'completed', 'failed', 'stopped']),
  started_at: z.iso.datetime({ offset: true }),
  forked_from: z.string().describe('The execution it was forked from'),
  from_step: z.string(),
  preview: ForkPreview,
});
