import { graphql } from '../generated/graphql/gql.ts';
import type { Api } from './api.ts';
import { CliError, problemOf } from './errors.ts';
import { lower } from './table.ts';

const CliApproveStep = graphql(`
  mutation CliApproveStep($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) {
      __typename
      ... on Execution {
        id
        status
      }
      ... on Error {
        message
        detail
      }
    }
  }
`);

const CliStopExecution = graphql(`
  mutation CliStopExecution($id: ID!) {
    stopExecution(id: $id) {
      __typename
      ... on Execution {
        id
        status
      }
      ... on Error {
        message
        detail
      }
    }
  }
`);

/** Approves a step awaiting approval, or rejects it with a reason (the revised step gets it as feedback). */
export async function decideStep(api: Api, executionId: string, stepId: string, approved: boolean, reason?: string): Promise<{ id: string; status: string }> {
  const { approveStep: result } = await api.request(CliApproveStep, { executionId, stepId, approved, reason });
  if (result.__typename !== 'Execution') throw new CliError(problemOf(result));
  return { id: result.id, status: lower(result.status) };
}

export async function stopExecution(api: Api, id: string): Promise<{ id: string; status: string }> {
  const { stopExecution: result } = await api.request(CliStopExecution, { id });
  if (result.__typename !== 'Execution') throw new CliError(problemOf(result));
  return { id: result.id, status: lower(result.status) };
}
