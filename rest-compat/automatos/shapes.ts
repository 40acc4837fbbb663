import type { z } from 'zod';
import type { ApiAgentFragment } from '../../src/generated/graphql/graphql.ts';
import type * as schema from './schemas.ts';

// GraphQL objects → the product's snake_case JSON.

export const agent = (a: ApiAgentFragment): z.infer<typeof schema.Agent> => ({
  id: a.id,
  name: a.name,
  description: a.description,
  model: a.model,
  system_prompt: a.systemPrompt ?? null,
  tools: a.tools,
  max_iterations: a.maxIterations,
  status: a.status.toLowerCase() as Lowercase<typeof a.status>,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

/** A REST body's snake_case fields as the GraphQL input's (absent stays absent). */
export const agentInput = (body: Partial<z.infer<typeof schema.AgentBody>>) =>
  Object.fromEntries(
    Object.entries({
      name: body.name,
      description: body.description,
      model: body.model,
      systemPrompt: body.system_prompt,
      tools: body.tools,
      maxIterations: body.max_iterations,
      status: body.status?.toUpperCase(),
    }).filter(([, value]) => value !== undefined),
  );
