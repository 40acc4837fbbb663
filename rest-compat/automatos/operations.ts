import { graphql } from '../../src/generated/graphql/gql.ts';

export const AgentFields = graphql(`
  fragment ApiAgent on Agent {
    id
    name
    description
    model
    systemPrompt
    tools
    maxIterations
    status
    createdAt
    updatedAt
  }
`);

export const ListAgents = graphql(`
  query ApiListAgents($first: Int!, $offset: Int, $search: String) {
    agents(first: $first, offset: $offset, search: $search) {
      totalCount
      edges {
        node {
          ...ApiAgent
        }
      }
    }
  }
`);

export const GetAgent = graphql(`
  query ApiGetAgent($id: ID!) {
    agent(id: $id) {
      ...ApiAgent
    }
  }
`);

export const CreateAgent = graphql(`
  mutation ApiCreateAgent($input: AgentInput!) {
    createAgent(input: $input) {
      __typename
      ...ApiAgent
      ...RestError
    }
  }
`);

export const UpdateAgent = graphql(`
  mutation ApiUpdateAgent($id: ID!, $patch: AgentPatch!) {
    updateAgent(id: $id, patch: $patch) {
      __typename
      ...ApiAgent
      ...RestError
    }
  }
`);

export const DeleteAgent = graphql(`
  mutation ApiDeleteAgent($id: ID!) {
    deleteAgent(id: $id) {
      __typename
      ...RestError
    }
  }
`);

export const RecipeFields = graphql(`
  fragment ApiRecipe on Recipe {
    id
    templateId
    name
    description
    tags
    templateDefinition
    steps
    inputs
    outputs
    executionConfig
    scheduleConfig
    recommendedAgents
    requiredTools
    qualityScore
    learningData
    useCount
    successRate
    popularity
    averageRating
    installCount
    isPublic
    isFeatured
    isSystem
    isApproved
    isMarketplaceItem
    previewImage
    documentationUrl
    version
    changelog
    ownerType
    clonedFromId
    createdBy
    createdAt
    updatedAt
    lastUsedAt
  }
`);

export const ListRecipes = graphql(`
  query ApiListRecipes($first: Int!, $offset: Int, $search: String, $isFeatured: Boolean, $isPublic: Boolean, $sortBy: RecipeSort) {
    recipes(first: $first, offset: $offset, search: $search, isFeatured: $isFeatured, isPublic: $isPublic, sortBy: $sortBy) {
      totalCount
      edges {
        node {
          ...ApiRecipe
        }
      }
    }
  }
`);

export const GetRecipe = graphql(`
  query ApiGetRecipe($id: ID, $templateId: String) {
    recipe(id: $id, templateId: $templateId) {
      ...ApiRecipe
      agents {
        id
        name
        model
        provider
        tools
        status
      }
    }
  }
`);

export const RecipeCategories = graphql(`
  query ApiRecipeCategories {
    recipeCategories {
      name
      count
    }
  }
`);

export const CreateRecipe = graphql(`
  mutation ApiCreateRecipe($input: JSON!) {
    createRecipe(input: $input) {
      __typename
      ...ApiRecipe
      ...RestError
    }
  }
`);

export const UpdateRecipe = graphql(`
  mutation ApiUpdateRecipe($id: ID!, $patch: JSON!) {
    updateRecipe(id: $id, patch: $patch) {
      __typename
      ...ApiRecipe
      ...RestError
    }
  }
`);

export const DeleteRecipe = graphql(`
  mutation ApiDeleteRecipe($id: ID!) {
    deleteRecipe(id: $id) {
      __typename
      ... on Recipe {
        templateId
      }
      ...RestError
    }
  }
`);

export const UseRecipe = graphql(`
  mutation ApiUseRecipe($id: ID!) {
    useRecipe(id: $id) {
      __typename
      ...ApiRecipe
      ...RestError
    }
  }
`);
