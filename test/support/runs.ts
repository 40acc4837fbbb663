import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, type TestApp } from './app.ts';

const CreateWorkflow = graphql(`
  mutation SupportCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      __typename
      ... on Workflow { id }
      ... on Error { code detail }
    }
  }
`);

const RunWorkflow = graphql(`
  mutation SupportRunWorkflow($workflowId: ID!, $inputs: JSON) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs) {
      __typename
      ... on Execution { id status }
      ... on Error { code detail }
    }
  }
`);

/** Saves a workflow through GraphQL and returns its id (throws when it does not compile). */
export async function createWorkflowId(t: TestApp, markdown: string, headers = credentialsOf(t.tenant)): Promise<string> {
  const result = (await t.request(CreateWorkflow, { markdown }, headers)).body.data!.createWorkflow;
  if (result.__typename !== 'Workflow') throw new Error(`workflow not created: ${JSON.stringify(result)}`);
  return result.id;
}

/** Starts an execution through GraphQL and returns its id (throws when it is refused). */
export async function startExecutionId(t: TestApp, workflowId: string, inputs: Record<string, unknown> = {}, headers = credentialsOf(t.tenant)): Promise<string> {
  const result = (await t.request(RunWorkflow, { workflowId, inputs }, headers)).body.data!.runWorkflow;
  if (result.__typename !== 'Execution') throw new Error(`execution not started: ${JSON.stringify(result)}`);
  return result.id;
}
