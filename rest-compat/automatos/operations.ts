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
      ... on Error {
        code
        message
        detail
      }
    }
  }
`);

export const UpdateAgent = graphql(`
  mutation ApiUpdateAgent($id: ID!, $patch: AgentPatch!) {
    updateAgent(id: $id, patch: $patch) {
      __typename
      ...ApiAgent
      ... on Error {
        code
        message
        detail
      }
    }
  }
`);

export const DeleteAgent = graphql(`
  mutation ApiDeleteAgent($id: ID!) {
    deleteAgent(id: $id) {
      __typename
      ... on Error {
        code
        message
        detail
      }
    }
  }
`);
