import { z } from 'zod';
import { queryInteger } from '../input.ts';

// The second product document's JSON (spec/recipes-api.md). Agents are not in the document, but its
// clients need them (§1): snake_case like the rest of it, lists offset-paged `{items, total, skip, limit}`.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const AGENT_STATUSES = ['active', 'inactive'] as const;

export const Agent = z.object({
  id: z.string().describe('agent_…'),
  name: z.string(),
  description: z.string().describe("The agent's role"),
  model: z.string().describe('An alias (sonnet, haiku, opus, …) or a model id, as written'),
  system_prompt: z.string().nullable().describe('null: built from name and description'),
  tools: z.array(z.string()).describe('Tool server aliases'),
  max_iterations: z.number().int().describe('Tool-use turns at most'),
  status: z.enum(AGENT_STATUSES).describe('An inactive agent cannot run'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const AgentList = z.object({ items: z.array(Agent), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const AgentBody = z.object({
  name: z.string(),
  description: z.string(),
  model: z.string(),
  system_prompt: z.string().nullish(),
  tools: z.array(z.string()).nullish(),
  max_iterations: z.number().int().nullish(),
  status: z.enum(AGENT_STATUSES).nullish(),
});

export const AgentPatchBody = AgentBody.partial();


export const AgentListQuery = z.object({
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
  search: z.string().optional().describe('Matches name and description, case-insensitively'),
});

/** What a DELETE of the product answers (the document's recipe DELETE: `{success, message}`). */
export const Deleted = z.object({ success: z.literal(true), message: z.string() });
