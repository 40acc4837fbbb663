import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { watchExecutions } from '../support/executions.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const MARKDOWN = `# Fan
## Inputs
- topics: What to write about (string[], default: ["a", "b"])
## Agents
### Writer
Writes.
Model: offline
## Steps
### Each
Agent: Writer
For each: inputs.topics
Write about {{item}}.
`;

const Node = graphql(`
  query ConventionsNode($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Workflow { name }
      ... on Execution { status outputType }
    }
  }
`);

const Counts = graphql(`
  query ConventionsCounts {
    workflows(first: 1) { totalCount edges { node { id } } }
    executions(first: 1) { totalCount }
  }
`);

const Events = graphql(`
  query ConventionsEvents($id: ID!) {
    execution(id: $id) {
      events { kind type payload }
      steps { stepId itemIndex }
    }
  }
`);

const DeleteMissing = graphql(`
  mutation ConventionsDelete($id: ID!) {
    deleteWorkflow(id: $id) { __typename ... on Error { code } }
  }
`);

let t: TestApp;
let workflowId: string;
let executionId: string;
beforeAll(async () => {
  t = await startTestApp();
  workflowId = await createWorkflowId(t, MARKDOWN);
  await createWorkflowId(t, MARKDOWN.replace('# Fan', '# Fan two'));
  const executions = await watchExecutions(t);
  executionId = await startExecutionId(t, workflowId);
  await executions.until(executionId, ['completed']);
  await executions.stop();
});
afterAll(() => t.stop());

describe('GraphQL conventions', () => {
  it('finds a workflow or an execution by id through node(id:), and only the caller’s own', async () => {
    expect((await t.request(Node, { id: workflowId })).body.data?.node).toEqual({ __typename: 'Workflow', id: workflowId, name: 'Fan' });
    expect((await t.request(Node, { id: executionId })).body.data?.node).toEqual({ __typename: 'Execution', id: executionId, status: 'COMPLETED', outputType: 'MARKDOWN' });
    const other = credentialsOf(await createTenant(t.app.database.db, 'other'));
    expect((await t.request(Node, { id: workflowId }, other)).body).toEqual({ data: { node: null } });
  });

  it('answers an id that is no Baton id with an error saying what ids look like', async () => {
    const { body } = await t.request(Node, { id: 'nonsense' });
    expect(body.errors?.[0]).toMatchObject({ message: '"nonsense" is not a node id: ids look like wf_… (Workflow), exec_… (Execution), agent_… (Agent), rcp_… (Recipe), tools_… (ToolServer), whk_… (WebhookTrigger), sch_… (Schedule) or whe_… (WebhookEndpoint)', extensions: { code: 'BAD_REQUEST' } });
  });

  it('counts a connection’s items in totalCount, whatever the page holds', async () => {
    const { body } = await t.request(Counts);
    expect(body.data?.workflows.edges).toHaveLength(1);
    expect(body.data?.workflows.totalCount).toBe(2);
    expect(body.data?.executions.totalCount).toBe(1);
  });

  it('names event kinds with an enum, and "not an item" as null in events as on steps', async () => {
    const execution = (await t.request(Events, { id: executionId })).body.data!.execution!;
    const kinds = execution.events.map((event) => event.kind);
    expect(kinds[0]).toBe('EXECUTION_RUNNING');
    expect(kinds.at(-1)).toBe('EXECUTION_COMPLETED');
    expect(execution.events.map((event) => event.type)).toEqual(kinds.map((kind) => kind.toLowerCase().replace('_', '.')));
    const started = execution.events.filter((event) => event.kind === 'STEP_STARTED').map((event) => (event.payload as { itemIndex?: number | null }).itemIndex ?? null);
    expect(started.sort()).toEqual([0, 1, null]);
    expect(execution.steps.map((step) => step.itemIndex)).toEqual([null, 0, 1]);
  });

  it('types error codes as an enum', async () => {
    const { body } = await t.request(DeleteMissing, { id: 'wf_missing' });
    expect(body.data?.deleteWorkflow).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});
