import type { z } from 'zod';
import type { AgentInput } from '../../src/generated/graphql/graphql.ts';
import { failIfError } from '../graphql.ts';
import { found, type RestRoute } from '../route.ts';
import * as op from './operations.ts';
import * as schema from './schemas.ts';
import * as shape from './shapes.ts';
import { recipeRoutes } from './recipe-routes.ts';
import { executionRoutes } from './execution-routes.ts';
import { toolServerRoutes } from './tool-server-routes.ts';
import { webhookEndpointRoutes } from './webhook-endpoint-routes.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { qualityRoutes } from './quality-routes.ts';
import { marketplaceRoutes } from './marketplace-routes.ts';

const example: z.infer<typeof schema.Agent> = {
  id: 'agent_0h3bq9c2m1x8v7k4l5p6n2r1t',
  name: 'Researcher',
  description: 'Finds and summarises sources.',
  model: 'sonnet',
  system_prompt: null,
  tools: ['web-search'],
  max_iterations: 25,
  status: 'active',
  created_at: '2026-02-27T10:30:00.000Z',
  updated_at: '2026-02-27T10:30:00.000Z',
};

export const routes: RestRoute[] = [
  // Literal paths first: /api/workflow-recipes/stats/dashboard before /api/workflow-recipes/:recipe_id….
  ...dashboardRoutes(),
  ...marketplaceRoutes(),
  ...recipeRoutes(),
  ...executionRoutes(),
  ...qualityRoutes(),
  ...toolServerRoutes(),
  ...webhookEndpointRoutes(),
  {
    method: 'GET',
    path: '/api/agents',
    operationId: 'listAgents',
    summary: "Lists the workspace's agents, newest first, offset-paged.",
    status: 200,
    query: schema.AgentListQuery,
    response: schema.AgentList,
    example: { items: [example], total: 1, skip: 0, limit: 50 },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const { agents } = await run(op.ListAgents, { first: limit, offset: skip, search: query.search as string | undefined });
      return { items: agents.edges.map((edge) => shape.agent(edge.node)), total: agents.totalCount, skip, limit };
    },
  },
  {
    method: 'POST',
    path: '/api/agents',
    operationId: 'createAgent',
    summary: 'Stores an agent; every problem of the body is named at once.',
    status: 201,
    body: schema.AgentBody,
    response: schema.Agent,
    example,
    errors: [400],
    async handle({ body, run }) {
      const { createAgent } = await run(op.CreateAgent, { input: shape.agentInput(body) as AgentInput });
      return shape.agent(failIfError(createAgent));
    },
  },
  {
    method: 'GET',
    path: '/api/agents/:id',
    operationId: 'getAgent',
    summary: 'One agent.',
    status: 200,
    response: schema.Agent,
    example,
    errors: [404],
    async handle({ params, run }) {
      return shape.agent(found((await run(op.GetAgent, { id: params.id })).agent, 'Agent', params.id));
    },
  },
  {
    method: 'PUT',
    path: '/api/agents/:id',
    operationId: 'updateAgent',
    summary: 'Changes the given fields; running executions keep the agent as it was when they started.',
    status: 200,
    body: schema.AgentPatchBody,
    response: schema.Agent,
    example,
    errors: [400, 404],
    async handle({ params, body, run }) {
      const { updateAgent } = await run(op.UpdateAgent, { id: params.id, patch: shape.agentInput(body) });
      return shape.agent(failIfError(updateAgent));
    },
  },
  {
    method: 'DELETE',
    path: '/api/agents/:id',
    operationId: 'deleteAgent',
    summary: 'Deletes an agent; refused (409, naming them) while steps of recipes run it.',
    status: 200,
    response: schema.Deleted,
    example: { success: true, message: 'Agent agent_0h3bq9c2m1x8v7k4l5p6n2r1t deleted' },
    errors: [404, 409],
    async handle({ params, run }) {
      failIfError((await run(op.DeleteAgent, { id: params.id })).deleteAgent);
      return { success: true, message: `Agent ${params.id} deleted` };
    },
  },
];
