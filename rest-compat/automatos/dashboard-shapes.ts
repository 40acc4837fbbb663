import type { z } from 'zod';
import type {
  ApiActiveWorkflowsQuery, ApiExecutionSummaryFragment, ApiExecutionTotalsFragment, ApiRecipeStatsQuery, ApiStatusCountsFragment, ApiWorkflowCatalogQuery, ApiWorkflowStatsQuery, ExecutionStatus,
} from '../../src/generated/graphql/graphql.ts';
import type * as schema from './dashboard-schemas.ts';
import { readsAsFailed } from '../budget-stop.ts';

// GraphQL's dashboards → the recipe API's JSON: snake_case, its status words (pending, cancelled),
// durations in seconds. Rates and progress stay fractions from 0 to 1.

type Status = z.infer<typeof schema.ActiveWorkflow>['recent_executions'][number]['status'];

/** The recipe API's word for an execution's status: a running one where no step has started is `pending`, stopped is `cancelled`. */
export function statusWord(status: ExecutionStatus, started: boolean): Status {
  if (status === 'STOPPED') return 'cancelled';
  if (readsAsFailed(status)) return 'failed';
  if (status === 'RUNNING' && !started) return 'pending';
  return status.toLowerCase() as Status;
}

const seconds = (ms: number | null | undefined) => (ms == null ? null : ms / 1000);

const breakdown = (counts: ApiStatusCountsFragment): z.infer<typeof schema.StatusBreakdown> => ({
  completed: counts.completed,
  failed: counts.failed,
  running: counts.running,
  pending: counts.pending,
  awaiting_approval: counts.awaitingApproval,
  cancelled: counts.stopped,
});

export function recipeDashboard({ recipeStats: stats }: ApiRecipeStatsQuery): z.infer<typeof schema.RecipeDashboard> {
  return {
    overview: {
      total_recipes: stats.overview.totalRecipes,
      total_executions: stats.overview.totalExecutions,
      avg_quality_score: stats.overview.avgQualityScore ?? null,
      avg_success_rate: stats.overview.successRate ?? null,
    },
    status_breakdown: breakdown(stats.statusBreakdown),
    top_recipes: stats.topRecipes.map(({ recipe, executions }) => ({
      id: recipe.id,
      template_id: recipe.templateId,
      name: recipe.name,
      use_count: recipe.useCount,
      success_rate: executions.successRate ?? null,
      quality_score: recipe.qualityScore ?? null,
      steps_count: Array.isArray(recipe.steps) ? recipe.steps.length : 0,
      last_used_at: recipe.lastUsedAt ?? null,
      total_executions: executions.started,
    })),
  };
}

type CatalogNode = ApiWorkflowCatalogQuery['workflowCatalog']['edges'][number]['node'];

export function catalogItem(node: CatalogNode): z.infer<typeof schema.WorkflowCatalogItem> {
  const common = { id: node.id, name: node.name, description: node.description, created_at: node.createdAt, updated_at: node.updatedAt };
  return node.__typename === 'Recipe' ? { ...common, type: 'recipe', template_id: node.templateId, tags: node.tags } : { ...common, type: 'markdown', template_id: null, tags: [] };
}

const brief = (e: ApiExecutionSummaryFragment) => ({ id: e.id, status: statusWord(e.status, e.started), started_at: e.startedAt, completed_at: e.completedAt ?? null, duration: seconds(e.durationMs) });

const kindWord = (kind: 'MARKDOWN' | 'RECIPE') => kind.toLowerCase() as 'markdown' | 'recipe';

export function activeWorkflows({ activeWorkflows: active }: ApiActiveWorkflowsQuery): z.infer<typeof schema.ActiveWorkflows> {
  return {
    active_workflows: active.workflows.map((w) => ({
      id: w.id,
      type: kindWord(w.kind),
      template_id: w.templateId ?? null,
      name: w.name,
      description: w.description,
      status: w.running ? 'running' : 'awaiting_approval',
      active_executions: w.liveExecutions,
      current_execution: {
        id: w.currentExecution.id,
        status: statusWord(w.currentExecution.status, w.currentExecution.started) as 'pending' | 'running' | 'awaiting_approval',
        progress: w.currentExecution.progress,
        steps_finished: w.currentExecution.stepsFinished,
        steps_total: w.currentExecution.stepsTotal,
        current_step: w.currentExecution.currentStep ?? null,
        started_at: w.currentExecution.startedAt,
        estimated_completion: w.currentExecution.estimatedCompletion ?? null,
      },
      metrics: {
        total_executions: w.metrics.executions.started,
        successful_executions: w.metrics.executions.completed,
        failed_executions: w.metrics.executions.failed,
        success_rate: w.metrics.executions.successRate ?? null,
        avg_duration: seconds(w.metrics.executions.avgDurationMs),
        last_execution: w.metrics.lastExecutionAt,
      },
      recent_executions: w.recentExecutions.map(brief),
    })),
    total_active: active.totalActive,
    system_load: active.systemLoad.load ?? null,
    load: { running_steps: active.systemLoad.runningSteps, queued_steps: active.systemLoad.queuedSteps, workers: active.systemLoad.workers, capacity: active.systemLoad.capacity },
    last_updated: active.lastUpdated,
  };
}

const dayTotals = (t: ApiExecutionTotalsFragment) => ({ executions: t.started, completed: t.completed, failed: t.failed, cancelled: t.stopped, success_rate: t.successRate ?? null });

export function workflowDashboard({ workflowStats: stats }: ApiWorkflowStatsQuery): z.infer<typeof schema.WorkflowDashboard> {
  const { overview, performance } = stats;
  return {
    overview: {
      total_workflows: overview.totalWorkflows,
      markdown_workflows: overview.markdownWorkflows,
      recipes: overview.recipes,
      active_workflows: overview.activeWorkflows,
      total_executions: overview.totalExecutions,
      running_executions: overview.statusBreakdown.pending + overview.statusBreakdown.running,
      awaiting_approval_executions: overview.statusBreakdown.awaitingApproval,
      status_breakdown: breakdown(overview.statusBreakdown),
    },
    today_stats: { date: stats.today.date, ...dayTotals(stats.today.executions) },
    performance: {
      total_executions: performance.started,
      completed: performance.completed,
      failed: performance.failed,
      cancelled: performance.stopped,
      success_rate: performance.successRate ?? null,
      avg_execution_time: seconds(performance.avgDurationMs),
    },
    workflow_types: stats.workflowTypes.map((type) => ({
      type: kindWord(type.kind),
      count: type.count,
      share: type.share ?? null,
      executions: type.executions.started,
      success_rate: type.executions.successRate ?? null,
    })),
    execution_trends: stats.executionTrends.map((day) => ({ date: day.date, ...dayTotals(day.executions) })),
    recent_activity: stats.recentActivity.map((e) => ({
      ...brief(e),
      type: kindWord(e.kind),
      workflow_id: e.workflowId ?? null,
      recipe_id: e.recipeId ?? null,
      name: e.name,
      triggered_by: e.triggeredBy,
    })),
    last_updated: stats.lastUpdated,
  };
}
