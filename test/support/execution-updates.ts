import { graphql } from '../../src/generated/graphql/gql.ts';
import type { Events } from '../../src/store/events.ts';

export const ExecutionUpdates = graphql(`
  subscription ExecutionUpdates {
    executionUpdates {
      executionId
      workflowId
      status
      at
    }
  }
`);

export const update = (tenantId: string, executionId: string): Events['executionUpdated'] => ({
  tenantId,
  executionId,
  workflowId: 'wf_1',
  recipeId: null,
  status: 'completed',
  at: '2026-02-27T10:30:00.000Z',
});
