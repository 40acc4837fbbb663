import { graphql } from '../../src/generated/graphql/gql.ts';

export const ToolServerFields = graphql(`
  fragment ApiToolServer on ToolServer {
    id
    alias
    transport
    url
    command
    args
    headerNames
    envNames
    enabled
    createdAt
    updatedAt
  }
`);

export const ListToolServers = graphql(`
  query ApiListToolServers($first: Int!, $offset: Int) {
    toolServers(first: $first, offset: $offset) {
      totalCount
      edges {
        node {
          ...ApiToolServer
        }
      }
    }
  }
`);

export const GetToolServer = graphql(`
  query ApiGetToolServer($id: ID!) {
    toolServer(id: $id) {
      ...ApiToolServer
    }
  }
`);

export const CreateToolServer = graphql(`
  mutation ApiCreateToolServer($input: ToolServerInput!) {
    createToolServer(input: $input) {
      __typename
      ...ApiToolServer
      ...RestError
    }
  }
`);

export const UpdateToolServer = graphql(`
  mutation ApiUpdateToolServer($id: ID!, $patch: ToolServerPatch!) {
    updateToolServer(id: $id, patch: $patch) {
      __typename
      ...ApiToolServer
      ...RestError
    }
  }
`);

export const DeleteToolServer = graphql(`
  mutation ApiDeleteToolServer($id: ID!) {
    deleteToolServer(id: $id) {
      __typename
      ... on ToolServer {
        alias
      }
      ...RestError
    }
  }
`);

export const TestToolServer = graphql(`
  mutation ApiTestToolServer($id: ID!) {
    testToolServer(id: $id) {
      __typename
      ... on ToolServerCheck {
        ok
        error
        durationMs
        tools {
          name
          description
          inputSchema
        }
      }
      ...RestError
    }
  }
`);
