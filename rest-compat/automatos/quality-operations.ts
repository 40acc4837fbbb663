import { graphql } from '../../src/generated/graphql/gql.ts';

export const AssessExecution = graphql(`
  mutation ApiAssessExecution($recipeId: ID!, $executionId: ID!, $learnings: JSON, $judge: JudgeInput) {
    assessExecution(recipeId: $recipeId, executionId: $executionId, learnings: $learnings, judge: $judge) {
      __typename
      ... on ExecutionAssessment {
        executionId
        assessedAt
        qualityScore
        breakdown {
          completeness
          accuracy
          efficiency
          reliability
          cost
        }
        grade
        bottlenecks
        judged {
          score
          reasons
          error
          agentId
          model
          criteria
          tokensIn
          tokensOut
          costUsd
          durationMs
        }
      }
      ...RestError
    }
  }
`);

export const LearnFromExecution = graphql(`
  mutation ApiLearnFromExecution($recipeId: ID!, $executionId: ID!) {
    learnFromExecution(recipeId: $recipeId, executionId: $executionId) {
      __typename
      ... on RecipeLearning {
        executionId
        analyzedAt
        patterns
        suggestions
        performanceMetrics
      }
      ...RestError
    }
  }
`);

export const RecipeSuggestions = graphql(`
  query ApiRecipeSuggestions($templateId: String!) {
    recipe(templateId: $templateId) {
      id
      templateId
      qualityScore
      learningData
      suggestions
    }
  }
`);
