import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';

const fixture = (name: string) => readFileSync(new URL(`../../docs/examples/workflows/${name}`, import.meta.url), 'utf8');
const invalid = (name: string) => readFileSync(new URL(`../fixtures/workflows/invalid/${name}`, import.meta.url), 'utf8');
const research = fixture('market-research.md');

const Compile = graphql(`
  query CompileWorkflow($markdown: String!) {
    compileWorkflow(markdown: $markdown) {
      __typename
      ... on CompileResult {
        valid
        notes { severity code message line column }
        plan { name steps { id dependsOn } }
      }
      ... on ValidationError { message detail }
    }
  }
`);

const Create = graphql(`
  mutation CreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      __typename
      ... on Workflow {
        id
        name
        description
        version
        plan {
          name
          inputs { name type required default enum }
          agents { id name model modelId tools systemPrompt }
          steps { id title agent dependsOn approval condition forEach onError outputFormat retryDelayMs timeoutMs }
          output
          outputMode
          outputType
        }
      }
      ... on CompileError { message detail notes { severity code line column } }
      ... on ValidationError { message detail }
    }
  }
`);

const Update = graphql(`
  mutation UpdateWorkflow($id: ID!, $markdown: String!) {
    updateWorkflow(id: $id, markdown: $markdown) {
      __typename
      ... on Workflow { id name version markdown revisions { version markdown plan { name } } }
      ... on Error { code message detail }
    }
  }
`);

const Delete = graphql(`
  mutation DeleteWorkflow($id: ID!) {
    deleteWorkflow(id: $id) {
      __typename
      ... on Workflow { id name }
      ... on Error { code detail }
    }
  }
`);

const Get = graphql(`
  query GetWorkflow($id: ID!) {
    workflow(id: $id) { id name version }
  }
`);

const List = graphql(`
  query ListWorkflows($first: Int, $after: String, $search: String) {
    workflows(first: $first, after: $after, search: $search) {
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

async function create(markdown: string) {
  const { body } = await t.request(Create, { markdown });
  const result = body.data!.createWorkflow;
  if (result.__typename !== 'Workflow') throw new Error(`not created: ${JSON.stringify(result)}`);
  return result;
}

describe('compileWorkflow', () => {
  it('compiles without saving and reports notes with positions', async () => {
    const { body } = await t.request(Compile, { markdown: invalid('unknown-references.md') });
    const result = body.data!.compileWorkflow;
    expect(result.__typename).toBe('CompileResult');
    if (result.__typename !== 'CompileResult') return;
    expect(result.valid).toBe(false);
    expect(result.notes.filter((n) => n.severity === 'ERROR').map((n) => [n.code, n.line, n.column])).toEqual([
      ['UNKNOWN_AGENT', 12, 8],
      ['UNKNOWN_INPUT', 13, 15],
      ['UNKNOWN_STEP', 18, 7],
    ]);
    const listed = await t.request(List, {});
    expect(listed.body.data!.workflows.edges.map((e) => e.node.name)).not.toContain('Unknown references');
  });
});

describe('workflows over GraphQL', () => {
  it('creates a workflow whose plan is typed objects', async () => {
    const workflow = await create(research);
    expect(workflow).toMatchObject({ name: 'Market Research Report', description: 'Researches a topic and produces a report.', version: 1 });
    expect(workflow.id).toMatch(/^wf_/);
    const { plan } = workflow;
    expect(plan.inputs.find((i) => i.name === 'depth')).toEqual({ name: 'depth', type: 'STRING', required: false, default: 'moderate', enum: ['shallow', 'moderate', 'deep'] });
    expect(plan.inputs.find((i) => i.name === 'companies')).toMatchObject({ type: 'STRING_LIST', required: true, default: null });
    expect(plan.agents[0]).toMatchObject({ id: 'researcher', model: 'Sonnet', tools: ['rag-engine', 'github'] });
    expect(plan.agents[0].modelId).toMatch(/^claude-sonnet-/);
    expect(plan.agents[0].systemPrompt).toContain('You are Researcher');
    expect(plan.steps.map((s) => [s.id, s.dependsOn])).toEqual([
      ['research', []],
      ['analysis', ['research']],
      ['charts', ['analysis']],
      ['review', ['analysis', 'charts']],
      ['final', ['review']],
    ]);
    expect(plan.steps.find((s) => s.id === 'review')).toMatchObject({ agent: null, approval: true });
    expect(plan.steps.find((s) => s.id === 'charts')).toMatchObject({ condition: 'inputs.include_charts', onError: 'STOP', outputFormat: 'MARKDOWN', retryDelayMs: 5000, timeoutMs: 600000 });
    expect(plan).toMatchObject({ output: 'steps.final.output', outputMode: 'PATH', outputType: 'MARKDOWN' });
  });

  it('refuses invalid markdown with a CompileError carrying the notes, and saves nothing', async () => {
    const { status, body } = await t.request(Create, { markdown: invalid('cycle.md') });
    expect(status).toBe(200);
    const result = body.data!.createWorkflow;
    expect(result.__typename).toBe('CompileError');
    if (result.__typename !== 'CompileError') return;
    expect(result.detail).toContain('line 10, column 13');
    expect(result.notes.map((n) => n.code)).toContain('DEPENDENCY_CYCLE');
    const listed = await t.request(List, { search: 'Cycle' });
    expect(listed.body.data!.workflows.edges).toEqual([]);
  });

  it('refuses markdown over 256 KB with a ValidationError', async () => {
    const big = `${research}\n${'x'.repeat(256 * 1024)}`;
    for (const result of [(await t.request(Create, { markdown: big })).body.data!.createWorkflow, (await t.request(Compile, { markdown: big })).body.data!.compileWorkflow]) {
      expect(result).toMatchObject({ __typename: 'ValidationError', message: 'Workflow too large' });
    }
  });

  it('updates by recompiling, keeping the previous markdown and plan as revisions', async () => {
    const workflow = await create(research);
    const renamed = research.replace('# Market Research Report', '# Market Research, Revised');
    const first = (await t.request(Update, { id: workflow.id, markdown: renamed })).body.data!.updateWorkflow;
    expect(first).toMatchObject({ __typename: 'Workflow', name: 'Market Research, Revised', version: 2, markdown: renamed });
    const second = (await t.request(Update, { id: workflow.id, markdown: fixture('parallel-perspectives.md') })).body.data!.updateWorkflow;
    if (second.__typename !== 'Workflow') throw new Error(JSON.stringify(second));
    expect(second.version).toBe(3);
    expect(second.revisions.map((r) => [r.version, r.plan.name])).toEqual([
      [2, 'Market Research, Revised'],
      [1, 'Market Research Report'],
    ]);
    expect(second.revisions[1].markdown).toBe(research);
  });

  it('keeps the workflow as it was when an update does not compile', async () => {
    const workflow = await create(research);
    const result = (await t.request(Update, { id: workflow.id, markdown: '# Broken\n## Steps\n### A\nAgent: Nobody\nDo it.' })).body.data!.updateWorkflow;
    expect(result).toMatchObject({ __typename: 'CompileError', code: 'COMPILE_ERROR' });
    expect((await t.request(Get, { id: workflow.id })).body.data!.workflow).toEqual({ id: workflow.id, name: 'Market Research Report', version: 1 });
  });

  it('deletes: the workflow disappears, and a second delete or an update is NotFound', async () => {
    const workflow = await create(research);
    expect((await t.request(Delete, { id: workflow.id })).body.data!.deleteWorkflow).toEqual({ __typename: 'Workflow', id: workflow.id, name: 'Market Research Report' });
    expect((await t.request(Get, { id: workflow.id })).body.data!.workflow).toBeNull();
    expect((await t.request(Delete, { id: workflow.id })).body.data!.deleteWorkflow).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', detail: `No workflow with ID ${workflow.id} exists for this tenant` });
    expect((await t.request(Update, { id: workflow.id, markdown: research })).body.data!.updateWorkflow).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('keeps each tenant’s workflows invisible to the others', async () => {
    const workflow = await create(research);
    const other = await createTenant(t.app.database.db, 'other');
    const as = credentialsOf(other);
    expect((await t.request(Get, { id: workflow.id }, as)).body.data!.workflow).toBeNull();
    expect((await t.request(Update, { id: workflow.id, markdown: research }, as)).body.data!.updateWorkflow).toMatchObject({ __typename: 'NotFoundError' });
    expect((await t.request(Delete, { id: workflow.id }, as)).body.data!.deleteWorkflow).toMatchObject({ __typename: 'NotFoundError' });
    expect((await t.request(List, {}, as)).body.data!.workflows.edges).toEqual([]);
    expect((await t.request(Get, { id: workflow.id })).body.data!.workflow?.id).toBe(workflow.id);
  });

  it('lists newest first, pages with first/after, and searches name and description', async () => {
    const tenant = await createTenant(t.app.database.db, 'lister');
    const as = credentialsOf(tenant);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const markdown = research.replace('# Market Research Report', `# Report ${i}`).replace('Researches a topic', i === 3 ? 'Finds needles in a topic' : 'Researches a topic');
      const { body } = await t.request(Create, { markdown }, as);
      expect(body.data!.createWorkflow.__typename).toBe('Workflow');
      names.push(`Report ${i}`);
    }
    const page1 = (await t.request(List, { first: 2 }, as)).body.data!.workflows;
    expect(page1.edges.map((e) => e.node.name)).toEqual(['Report 4', 'Report 3']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await t.request(List, { first: 10, after: page1.pageInfo.endCursor }, as)).body.data!.workflows;
    expect(page2.edges.map((e) => e.node.name)).toEqual(['Report 2', 'Report 1', 'Report 0']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const found = (await t.request(List, { search: 'NEEDLES' }, as)).body.data!.workflows;
    expect(found.edges.map((e) => e.node.name)).toEqual(['Report 3']);
  });
});
