import { graphql } from '../../src/generated/graphql/gql.ts';

export const RecipeExecutionFields = graphql(`
  fragment ApiRecipeExecution on Execution {
    id
    recipeId
    workflowName
    status
    error
    inputs
    output
    startedAt
    completedAt
    stepsTotal
    stepsCompleted
    triggeredBy
    metadata
    plan {
      agents {
        id
        name
        systemPrompt
      }
      steps {
        id
        title
        order
        agent
      }
    }
    steps {
      stepId
      itemIndex
      status
      attempts
      agentId
      prompt
      output
      error
      tokens {
        input
        output
      }
      toolCalls {
        name
        input
        output
        durationMs
        isError
      }
      startedAt
      completedAt
      durationMs
    }
  }
`);

export const RecipeExecutions = graphql(`
  query ApiRecipeExecutions($recipeId: ID!, $first: Int!, $offset: Int, $statuses: [ExecutionStatus!], $started: Boolean) {
    executions(recipeId: $recipeId, first: $first, offset: $offset, statuses: $statuses, started: $started) {
      totalCount
      edges {
        node {
          ...ApiRecipeExecution
        }
      }
    }
  }
`);

export const RecipeExecution = graphql(`
  query ApiRecipeExecution($id: ID!) {
    execution(id: $id) {
      ...ApiRecipeExecution
    }
  }
`);

export const RunRecipe = graphql(`
  mutation ApiRunRecipe($id: ID!, $inputs: JSON, $budget: BudgetInput) {
    runRecipe(id: $id, inputs: $inputs, budget: $budget) {
      __typename
      ... on Execution {
        id
        stepsTotal
      }
      ...RestError
    }
  }
`);

export const StopRecipeExecution = graphql(`
  mutation ApiStopRecipeExecution($id: ID!) {
    stopExecution(id: $id) {
      __typename
      ...ApiRecipeExecution
      ...RestError
    }
  }
`);
