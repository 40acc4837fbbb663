import { graphql } from '../../src/generated/graphql/gql.ts';

export const MarketplaceItemFields = graphql(`
  fragment ApiMarketplaceItem on MarketplaceItem {
    id
    type
    status
    name
    description
    templateId
    category
    icon
    tags
    stepsCount
    agents
    installCount
    isMine
    reviewNote
    reviewedAt
    createdAt
  }
`);

export const ListMarketplaceItems = graphql(`
  query ApiListMarketplaceItems($first: Int!, $offset: Int, $status: MarketplaceStatus) {
    marketplaceItems(first: $first, offset: $offset, status: $status) {
      totalCount
      edges {
        node {
          ...ApiMarketplaceItem
        }
      }
    }
  }
`);

export const GetMarketplaceItem = graphql(`
  query ApiGetMarketplaceItem($id: ID!) {
    marketplaceItem(id: $id) {
      ...ApiMarketplaceItem
      recipe
    }
  }
`);

export const SubmitRecipe = graphql(`
  mutation ApiSubmitRecipe($recipeId: ID!, $category: String, $icon: String) {
    submitRecipeToMarketplace(recipeId: $recipeId, category: $category, icon: $icon) {
      __typename
      ... on MarketplaceSubmission {
        autoApproved
        item {
          id
          name
        }
      }
      ...RestError
    }
  }
`);

export const ApproveItem = graphql(`
  mutation ApiApproveMarketplaceItem($id: ID!) {
    approveMarketplaceItem(id: $id) {
      __typename
      ... on MarketplaceItem {
        ...ApiMarketplaceItem
      }
      ...RestError
    }
  }
`);

export const RejectItem = graphql(`
  mutation ApiRejectMarketplaceItem($id: ID!, $reason: String) {
    rejectMarketplaceItem(id: $id, reason: $reason) {
      __typename
      ... on MarketplaceItem {
        ...ApiMarketplaceItem
      }
      ...RestError
    }
  }
`);

export const InstallItem = graphql(`
  mutation ApiInstallMarketplaceItem($id: ID!) {
    installMarketplaceItem(id: $id) {
      __typename
      ... on MarketplaceInstall {
        item {
          name
        }
        cloned {
          type
          id
          name
          templateId
        }
        warnings
      }
      ...RestError
    }
  }
`);
