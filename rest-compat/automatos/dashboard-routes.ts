import type { z } from 'zod';
import type { RestRoute } from '../route.ts';
import * as op from './dashboard-operations.ts';
import * as schema from './dashboard-schemas.ts';
import * as shape from './dashboard-shapes.ts';

// Literal paths: they come first in the route table, before `/api/workflow-recipes/:recipe_id…`
// (the first matching route wins). `/api/workflows…` is this product's, apart from the first
// product's `/workflows…` (served at the root and under /orchestrator).

const recipeExample: z.infer<typeof schema.RecipeDashboard> = {
  overview: { total_recipes: 12, total_executions: 240, avg_quality_score: 0.82, avg_success_rate: 0.9 },
  status_breakdown: { completed: 198, failed: 22, running: 3, pending: 1, awaiting_approval: 2, cancelled: 14 },
  top_recipes: [
    {
      id: 'rcp_0h3bq9c2m1x8v7k4l5p6n2r1t', template_id: 'research-brief', name: 'Research brief', use_count: 96, success_rate: 0.93, quality_score: 0.88,
      steps_count: 2, last_used_at: '2026-02-27T10:30:00.000Z', total_executions: 90,
    },
  ],
};

const brief = { id: 'exec_0h3bq9c2m1x8v7k4l5p6n2r1t', status: 'running' as const, started_at: '2026-02-27T10:30:00.000Z', completed_at: null, duration: null };
const finished = { id: 'exec_1k2bq9c2m1x8v7k4l5p6n2r1t', status: 'completed' as const, started_at: '2026-02-27T09:00:00.000Z', completed_at: '2026-02-27T09:04:12.500Z', duration: 252.5 };

const activeExample: z.infer<typeof schema.ActiveWorkflows> = {
  active_workflows: [
    {
      id: 'rcp_0h3bq9c2m1x8v7k4l5p6n2r1t', type: 'recipe', template_id: 'research-brief', name: 'Research brief', description: 'Researches a topic, then writes a one-page brief.',
      status: 'running', active_executions: 1,
      current_execution: {
        id: brief.id, status: 'running', progress: 0.5, steps_finished: 1, steps_total: 2, current_step: 'write', started_at: brief.started_at,
        estimated_completion: '2026-02-27T10:34:12.500Z',
      },
      metrics: { total_executions: 91, successful_executions: 80, failed_executions: 6, success_rate: 0.93, avg_duration: 252.5, last_execution: brief.started_at },
      recent_executions: [brief, finished],
    },
  ],
  total_active: 1,
  system_load: 0.01,
  load: { running_steps: 1, queued_steps: 0, workers: 1, capacity: 100 },
  last_updated: '2026-02-27T10:31:00.000Z',
};

const day = (date: string, executions: number, completed: number, failed: number) => ({ date, executions, completed, failed, cancelled: 0, success_rate: completed + failed ? completed / (completed + failed) : null });

const dashboardExample: z.infer<typeof schema.WorkflowDashboard> = {
  overview: {
    total_workflows: 15, markdown_workflows: 3, recipes: 12, active_workflows: 1, total_executions: 300, running_executions: 1, awaiting_approval_executions: 0,
    status_breakdown: { completed: 250, failed: 30, running: 1, pending: 0, awaiting_approval: 0, cancelled: 19 },
  },
  today_stats: { ...day('2026-02-27', 4, 3, 0) },
  performance: { total_executions: 300, completed: 250, failed: 30, cancelled: 19, success_rate: 250 / 280, avg_execution_time: 184.2 },
  workflow_types: [
    { type: 'markdown', count: 3, share: 0.2, executions: 60, success_rate: 0.85 },
    { type: 'recipe', count: 12, share: 0.8, executions: 240, success_rate: 0.9 },
  ],
  execution_trends: [day('2026-02-26', 11, 10, 1), day('2026-02-27', 4, 3, 0)],
  recent_activity: [{ ...brief, type: 'recipe', workflow_id: null, recipe_id: 'rcp_0h3bq9c2m1x8v7k4l5p6n2r1t', name: 'Research brief', triggered_by: 'manual' }],
  last_updated: '2026-02-27T10:31:00.000Z',
};

export const dashboardRoutes = (): RestRoute[] => [
  {
    method: 'GET',
    path: '/api/workflow-recipes/stats/dashboard',
    operationId: 'getRecipeDashboard',
    summary: "The recipe dashboard: the workspace's recipes and their executions in totals, by status, and the 10 most used recipes, from the data as it is now.",
    status: 200,
    response: schema.RecipeDashboard,
    example: recipeExample,
    errors: [],
    async handle({ run }) {
      return shape.recipeDashboard(await run(op.RecipeStats, {}));
    },
  },
  {
    method: 'GET',
    path: '/api/workflows/active',
    operationId: 'listActiveWorkflows',
    summary: 'The workflows and recipes with an execution running or awaiting approval now, each with its live execution\'s progress, its metrics and its newest executions.',
    status: 200,
    query: schema.ActiveWorkflowsQuery,
    response: schema.ActiveWorkflows,
    example: activeExample,
    errors: [400],
    async handle({ query, run }) {
      return shape.activeWorkflows(await run(op.ActiveWorkflows, { first: Number(query.limit ?? 20) }));
    },
  },
  {
    method: 'GET',
    path: '/api/workflows/stats/dashboard',
    operationId: 'getWorkflowDashboard',
    summary: "The workflow dashboard: the workspace's markdown workflows and recipes, their executions today, all time, per day for 30 days, and the newest ones.",
    status: 200,
    response: schema.WorkflowDashboard,
    example: dashboardExample,
    errors: [],
    async handle({ run }) {
      return shape.workflowDashboard(await run(op.WorkflowStats, { days: 30, recent: 20 }));
    },
  },
  {
    method: 'GET',
    path: '/api/workflows',
    operationId: 'listWorkspaceWorkflows',
    summary: "The workspace's markdown workflows and recipes in one list, newest first (ties by id), offset-paged; `q` searches name and description, `tag` keeps the recipes with that tag.",
    status: 200,
    query: schema.WorkflowCatalogQuery,
    response: schema.WorkflowCatalog,
    example: {
      items: [
        { id: 'rcp_0h3bq9c2m1x8v7k4l5p6n2r1t', type: 'recipe', name: 'Research brief', description: 'Researches a topic, then writes a one-page brief.', template_id: 'research-brief', tags: ['research'], created_at: '2026-02-27T10:30:00.000Z', updated_at: '2026-02-27T10:30:00.000Z' },
        { id: 'wf_0h3bq9c2m1x8v7k4l5p6n2r1t', type: 'markdown', name: 'Market research', description: 'Sizes a market.', template_id: null, tags: [], created_at: '2026-02-26T09:00:00.000Z', updated_at: '2026-02-26T09:00:00.000Z' },
      ],
      total: 2,
      skip: 0,
      limit: 50,
    },
    errors: [400],
    async handle({ query, run }) {
      const skip = Number(query.skip ?? 0);
      const limit = Number(query.limit ?? 50);
      const { workflowCatalog } = await run(op.WorkflowCatalog, { first: limit, offset: skip, search: query.q as string | undefined, tag: query.tag as string | undefined });
      return { items: workflowCatalog.edges.map((edge) => shape.catalogItem(edge.node)), total: workflowCatalog.totalCount, skip, limit };
    },
  },
];
