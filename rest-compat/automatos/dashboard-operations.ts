import { graphql } from '../../src/generated/graphql/gql.ts';

export const TotalsFields = graphql(`
  fragment ApiExecutionTotals on ExecutionTotals {
    started
    completed
    failed
    stopped
    successRate
    avgDurationMs
  }
`);

export const SummaryFields = graphql(`
  fragment ApiExecutionSummary on ExecutionSummary {
    id
    kind
    workflowId
    recipeId
    name
    status
    started
    triggeredBy
    startedAt
    completedAt
    durationMs
  }
`);

export const StatusCountsFields = graphql(`
  fragment ApiStatusCounts on ExecutionStatusCounts {
    pending
    running
    awaitingApproval
    completed
    failed
    stopped
    total
  }
`);

export const RecipeStats = graphql(`
  query ApiRecipeStats {
    recipeStats {
      overview {
        totalRecipes
        totalExecutions
        avgQualityScore
        successRate
      }
      statusBreakdown {
        ...ApiStatusCounts
      }
      topRecipes(first: 10) {
        recipe {
          id
          templateId
          name
          useCount
          qualityScore
          steps
          lastUsedAt
        }
        executions {
          ...ApiExecutionTotals
        }
      }
    }
  }
`);

export const WorkflowCatalog = graphql(`
  query ApiWorkflowCatalog($first: Int!, $offset: Int, $search: String, $tag: String) {
    workflowCatalog(first: $first, offset: $offset, search: $search, tag: $tag) {
      totalCount
      edges {
        node {
          __typename
          ... on Workflow {
            id
            name
            description
            createdAt
            updatedAt
          }
          ... on Recipe {
            id
            templateId
            name
            description
            tags
            createdAt
            updatedAt
          }
        }
      }
    }
  }
`);

export const ActiveWorkflows = graphql(`
  query ApiActiveWorkflows($first: Int!) {
    activeWorkflows {
      totalActive
      lastUpdated
      systemLoad {
        load
        runningSteps
        queuedSteps
        workers
        capacity
      }
      workflows(first: $first) {
        id
        kind
        name
        description
        templateId
        running
        liveExecutions
        currentExecution {
          id
          status
          started
          progress
          stepsFinished
          stepsTotal
          currentStep
          startedAt
          estimatedCompletion
        }
        metrics {
          lastExecutionAt
          executions {
            ...ApiExecutionTotals
          }
        }
        recentExecutions {
          ...ApiExecutionSummary
        }
      }
    }
  }
`);

export const WorkflowStats = graphql(`
  query ApiWorkflowStats($days: Int!, $recent: Int!) {
    workflowStats {
      overview {
        totalWorkflows
        markdownWorkflows
        recipes
        activeWorkflows
        totalExecutions
        liveExecutions
        statusBreakdown {
          ...ApiStatusCounts
        }
      }
      today {
        date
        executions {
          ...ApiExecutionTotals
        }
      }
      performance {
        ...ApiExecutionTotals
      }
      workflowTypes {
        kind
        count
        share
        executions {
          ...ApiExecutionTotals
        }
      }
      executionTrends(days: $days) {
        date
        executions {
          ...ApiExecutionTotals
        }
      }
      recentActivity(first: $recent) {
        ...ApiExecutionSummary
      }
      lastUpdated
    }
  }
`);
