// A typed Baton client: the operations below are typed by @graphql-codegen's client preset from
// Baton's schema.graphql (see docs/api-guide.md). test/docs/typed-client.test.ts runs this file.
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphql } from '../../src/generated/graphql/gql.ts';

const CreateWorkflow = graphql(`
  mutation GuideCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      __typename
      ... on Workflow { id name }
      ... on CompileError { detail notes { line column message } }
      ... on Error { code detail }
    }
  }
`);

const RunWorkflow = graphql(`
  mutation GuideRunWorkflow($workflowId: ID!, $inputs: JSON) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs) {
      __typename
      ... on Execution { id status }
      ... on Error { code detail }
    }
  }
`);

const ExecutionEvents = graphql(`
  subscription GuideExecutionEvents($executionId: ID!) {
    executionEvents(executionId: $executionId) { seq kind payload }
  }
`);

const ExecutionOutput = graphql(`
  query GuideExecutionOutput($id: ID!) {
    execution(id: $id) { status output outputType steps { stepId status tokens { input output } } }
  }
`);

export interface Baton {
  url: string;
  apiKey: string;
  tenantId: string;
}

/** One GraphQL operation over HTTP, its result typed by the document. */
async function request<R, V>(baton: Baton, document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const response = await fetch(`${baton.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${baton.apiKey}`, 'x-tenant-id': baton.tenantId },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const result = (await response.json()) as { data?: R; errors?: { message: string }[] };
  if (!result.data) throw new Error(result.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`);
  return result.data;
}

/**
 * Saves a workflow, runs it, follows its events over WebSocket until it finishes, and returns its
 * output: everything typed, from the mutation's result union to the event kinds.
 */
export async function runWorkflow(baton: Baton, markdown: string, inputs: Record<string, unknown>, onEvent: (kind: string) => void = () => {}) {
  const { createWorkflow } = await request(baton, CreateWorkflow, { markdown });
  if (createWorkflow.__typename !== 'Workflow') throw new Error(`not saved: ${createWorkflow.detail}`);
  const { runWorkflow: started } = await request(baton, RunWorkflow, { workflowId: createWorkflow.id, inputs });
  if (started.__typename !== 'Execution') throw new Error(`not started: ${started.detail}`);

  const client = createClient({
    url: `${baton.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${baton.apiKey}`, 'x-tenant-id': baton.tenantId },
  });
  try {
    const events = client.iterate({ query: print(ExecutionEvents), variables: { executionId: started.id } });
    for await (const { data } of events as AsyncIterable<{ data?: { executionEvents: { kind: string } } }>) {
      const kind = data?.executionEvents.kind;
      if (kind) onEvent(kind);
      if (kind === 'EXECUTION_COMPLETED' || kind === 'EXECUTION_FAILED' || kind === 'EXECUTION_STOPPED') break;
    }
  } finally {
    await client.dispose();
  }
  const { execution } = await request(baton, ExecutionOutput, { id: started.id });
  return execution;
}
