import { graphql } from '../../src/generated/graphql/gql.ts';

export const WebhookEndpointFields = graphql(`
  fragment ApiWebhookEndpoint on WebhookEndpoint {
    id
    url
    description
    events
    enabled
    createdAt
    updatedAt
  }
`);

export const WebhookDeliveryFields = graphql(`
  fragment ApiWebhookDelivery on WebhookDelivery {
    id
    endpointId
    event
    executionId
    scheduleId
    status
    attemptCount
    lastStatusCode
    lastError
    payload
    createdAt
    lastAttemptAt
    deliveredAt
    attempts {
      number
      round
      outcome
      statusCode
      error
      durationMs
      responseExcerpt
      startedAt
      finishedAt
    }
  }
`);

export const ListWebhookEndpoints = graphql(`
  query ApiListWebhookEndpoints($first: Int!, $offset: Int) {
    webhookEndpoints(first: $first, offset: $offset) {
      totalCount
      edges {
        node {
          ...ApiWebhookEndpoint
        }
      }
    }
  }
`);

export const GetWebhookEndpoint = graphql(`
  query ApiGetWebhookEndpoint($id: ID!) {
    webhookEndpoint(id: $id) {
      ...ApiWebhookEndpoint
    }
  }
`);

export const CreateWebhookEndpoint = graphql(`
  mutation ApiCreateWebhookEndpoint($input: WebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreatedWebhookEndpoint {
        secret
        endpoint {
          ...ApiWebhookEndpoint
        }
      }
      ...RestError
    }
  }
`);

export const UpdateWebhookEndpoint = graphql(`
  mutation ApiUpdateWebhookEndpoint($id: ID!, $patch: WebhookEndpointPatch!) {
    updateWebhookEndpoint(id: $id, patch: $patch) {
      __typename
      ...ApiWebhookEndpoint
      ...RestError
    }
  }
`);

export const DeleteWebhookEndpoint = graphql(`
  mutation ApiDeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id) {
      __typename
      ... on WebhookEndpoint {
        url
      }
      ...RestError
    }
  }
`);

/** The deliveries, and the endpoint they were asked for (null when it is not the tenant's: a 404). */
export const ListWebhookDeliveries = graphql(`
  query ApiListWebhookDeliveries($first: Int!, $offset: Int, $endpointId: ID, $executionId: ID, $status: WebhookDeliveryStatus, $event: NotificationEvent, $checkEndpoint: Boolean!, $endpoint: ID!) {
    webhookEndpoint(id: $endpoint) @include(if: $checkEndpoint) {
      id
    }
    webhookDeliveries(first: $first, offset: $offset, endpointId: $endpointId, executionId: $executionId, status: $status, event: $event) {
      totalCount
      edges {
        node {
          ...ApiWebhookDelivery
        }
      }
    }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation ApiRedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      __typename
      ...ApiWebhookDelivery
      ...RestError
    }
  }
`);
