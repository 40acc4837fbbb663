import { graphql } from '../../src/generated/graphql/gql.ts';

graphql(`
  fragment RestFork on Fork {
    execution {
      id
      status
      startedAt
      forkedFromStep
      forkedFrom {
        id
      }
    }
    preview {
      stepsToRun
      stepsReused
      estimatedTokens
      estimatedCostUsd
      unestimatedSteps
    }
  }
`);

export const ForkExecution = graphql(`
  mutation RestForkExecution($id: ID!, $fromStep: String!, $inputs: JSON, $onLatest: Boolean, $planOverrides: JSON) {
    forkExecution(id: $id, fromStep: $fromStep, inputs: $inputs, onLatest: $onLatest, planOverrides: $planOverrides) {
      ... on Fork {
        ...RestFork
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const RetryExecution = graphql(`
  mutation RestRetryExecution($id: ID!) {
    retryExecution(id: $id) {
      ... on Fork {
        ...RestFork
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);
