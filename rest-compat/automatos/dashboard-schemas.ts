import { z } from 'zod';
import { queryInteger } from '../input.ts';
import { RECIPE_EXECUTION_STATUSES } from './execution-schemas.ts';

// The recipe API's dashboards (spec recipes-api.md §3): every figure from the workspace's data as it
// is when asked. Rates and progress are fractions from 0 to 1; durations are seconds.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const int = () => z.number().int();
const rate = (what: string) => z.number().min(0).max(1).nullable().describe(`${what}, from 0 to 1: completed ÷ (completed + failed); cancelled executions are left out (a person's decision says nothing about the workflow). null before any has completed or failed`);
const seconds = (what: string) => z.number().nullable().describe(`${what}, in seconds`);
const WorkflowType = z.enum(['markdown', 'recipe']).describe('markdown: a markdown workflow (wf_…); recipe: a recipe (rcp_…)');
const Status = z.enum(RECIPE_EXECUTION_STATUSES).describe('pending: running, but no step has started yet; cancelled: stopped by a person');

export const StatusBreakdown = z.object({
  completed: int(),
  failed: int(),
  running: int().describe('Running, with a step started'),
  pending: int().describe('Running, but no step has started yet'),
  awaiting_approval: int().describe('Waiting for a person to approve a step'),
  cancelled: int().describe('Stopped by a person'),
}).describe('Executions by where they stand now; the counts add up to the total');

export const RecipeDashboard = z.object({
  overview: z.object({
    total_recipes: int().describe("The workspace's recipes, public and private"),
    total_executions: int().describe('Executions of recipes ever started in the workspace: live ones, and those of recipes deleted since, included'),
    avg_quality_score: z.number().nullable().describe('The mean quality score (0–1) of the recipes assessed so far; null when none has been'),
    avg_success_rate: rate("The success rate of the workspace's recipe executions"),
  }),
  status_breakdown: StatusBreakdown,
  top_recipes: z.array(z.object({
    id: z.string().describe('rcp_…'),
    template_id: z.string(),
    name: z.string(),
    use_count: int().describe('Uses counted (each execution, and each POST …/use)'),
    success_rate: rate("The recipe's success rate"),
    quality_score: z.number().nullable().describe('null until assessed'),
    steps_count: int(),
    last_used_at: timestamp.nullable(),
    total_executions: int().describe('Its executions ever started'),
  })).describe('At most 10, most used first (ties by id)'),
});

export const WorkflowCatalogItem = z.object({
  id: z.string().describe('wf_… for a markdown workflow, rcp_… for a recipe'),
  type: WorkflowType,
  name: z.string(),
  description: z.string(),
  template_id: z.string().nullable().describe("A recipe's template_id (how /api/workflow-recipes addresses it); null for a markdown workflow"),
  tags: z.array(z.string()).describe("A recipe's tags; markdown workflows have none"),
  created_at: timestamp,
  updated_at: timestamp,
});

export const WorkflowCatalog = z.object({ items: z.array(WorkflowCatalogItem), total: int(), skip: int(), limit: int() });

export const WorkflowCatalogQuery = z.object({
  q: z.string().max(200, { error: 'must be at most 200 characters' }).optional().describe('Text the name or description contains, any case'),
  tag: z.string().max(50, { error: 'must be a tag of at most 50 characters' }).regex(/\S/, { error: 'must not be blank' }).optional().describe('Only recipes carrying exactly this tag (markdown workflows have no tags, so a tag leaves them out)'),
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
});

const ExecutionBrief = z.object({
  id: z.string().describe('exec_…'),
  status: Status,
  started_at: timestamp,
  completed_at: timestamp.nullable(),
  duration: seconds('From start to finish; null while live'),
});

export const ActiveWorkflow = z.object({
  id: z.string().describe('The markdown workflow (wf_…) or recipe (rcp_…)'),
  type: WorkflowType,
  template_id: z.string().nullable().describe("A recipe's template_id; null for a markdown workflow"),
  name: z.string(),
  description: z.string(),
  status: z.enum(['running', 'awaiting_approval']).describe('running when one of its live executions runs; awaiting_approval when all of them wait for a person'),
  active_executions: int().describe('Its executions running or awaiting approval now'),
  current_execution: z.object({
    id: z.string(),
    status: z.enum(['pending', 'running', 'awaiting_approval']),
    progress: z.number().min(0).max(1).describe("Steps finished ÷ the plan's steps, from 0 to 1"),
    steps_finished: int(),
    steps_total: int(),
    current_step: z.string().nullable().describe('The first step (in plan order) running, awaiting approval or queued, by its title (a recipe step\'s step_id); null when none is'),
    started_at: timestamp,
    estimated_completion: timestamp.nullable().describe("started_at plus the mean duration of this workflow's completed executions (in the past when this one runs longer); null when none has completed"),
  }).describe('Its live execution that started last'),
  metrics: z.object({
    total_executions: int().describe('Its executions ever started'),
    successful_executions: int().describe('Of those, completed'),
    failed_executions: int(),
    success_rate: rate('Its success rate'),
    avg_duration: seconds('The mean duration of its completed executions; null when none has completed'),
    last_execution: timestamp.describe('When its newest execution started'),
  }),
  recent_executions: z.array(ExecutionBrief).describe('Its newest executions (at most 5), live or finished, newest first'),
});

export const ActiveWorkflows = z.object({
  active_workflows: z.array(ActiveWorkflow).describe('The workflows and recipes with an execution running or awaiting approval, the one whose live execution started last first (ties by id)'),
  total_active: int().describe('How many workflows and recipes have a live execution (beyond `limit` too)'),
  system_load: z.number().min(0).max(1).nullable().describe("How much of the workers' capacity the workspace's steps take now: step attempts running ÷ the live workers' capacity, from 0 to 1; null when no worker is alive"),
  load: z.object({
    running_steps: int().describe("The workspace's step attempts running now"),
    queued_steps: int().describe("The workspace's steps queued for a worker, not started yet"),
    workers: int().describe('Worker processes alive'),
    capacity: int().describe('Step attempts the live workers run at once at most'),
  }).describe('What system_load is computed from'),
  last_updated: timestamp,
});

export const ActiveWorkflowsQuery = z.object({ limit: queryInteger(1, 100).optional().describe('How many workflows to return at most, 1–100 (default 20); total_active counts them all') });

const DayTotals = {
  executions: int().describe('Executions started'),
  completed: int(),
  failed: int(),
  cancelled: int(),
  success_rate: rate('Their success rate'),
};

export const WorkflowDashboard = z.object({
  overview: z.object({
    total_workflows: int().describe('Markdown workflows (not deleted) and recipes'),
    markdown_workflows: int(),
    recipes: int(),
    active_workflows: int().describe('Workflows and recipes with an execution running or awaiting approval now'),
    total_executions: int().describe('Executions ever started, live ones included'),
    running_executions: int().describe('Running now (pending included)'),
    awaiting_approval_executions: int().describe('Waiting for a person now'),
    status_breakdown: StatusBreakdown,
  }),
  today_stats: z.object({ date: z.iso.date().describe('Today, UTC'), ...DayTotals }).describe('The executions started today (UTC), and how they have ended so far'),
  performance: z.object({
    total_executions: int(),
    completed: int(),
    failed: int(),
    cancelled: int(),
    success_rate: rate('The success rate of all executions'),
    avg_execution_time: seconds('The mean duration of the completed executions; null when none has completed'),
  }).describe('All executions, all time'),
  workflow_types: z.array(z.object({
    type: WorkflowType,
    count: int().describe('How many the workspace has'),
    share: z.number().min(0).max(1).nullable().describe('Their share of all workflows, from 0 to 1; null when there are none'),
    executions: int().describe('Their executions ever started'),
    success_rate: rate('Their success rate'),
  })).describe('Markdown workflows and recipes'),
  execution_trends: z.array(z.object({ date: z.iso.date().describe('The day, UTC'), ...DayTotals })).describe('The last 30 days up to today (UTC), oldest first, one entry per day: days without executions are there with zeros'),
  recent_activity: z.array(ExecutionBrief.extend({
    type: WorkflowType,
    workflow_id: z.string().nullable(),
    recipe_id: z.string().nullable(),
    name: z.string().describe("The workflow's or recipe's name when it started"),
    triggered_by: z.string().describe('manual (the API), cron or webhook'),
  })).describe("The workspace's 20 newest executions, newest first"),
  last_updated: timestamp,
});
