import type { BudgetInput } from '../../src/generated/graphql/graphql.ts';
import * as examples from './examples.ts';
import { failIfError, RestError } from '../graphql.ts';
import { found, type RestRoute } from '../route.ts';
import * as op from './operations.ts';
import * as schema from './schemas.ts';
import * as shape from './shapes.ts';
import { MAX_PAGE_SIZE } from '../../src/schema/field-cost.ts';
import { forkRoutes } from './fork-routes.ts';

// A GraphQL page holds at most MAX_PAGE_SIZE items and refuses more; a larger REST `limit` gets a
// full page and a next_cursor.
const pageSize = (limit: unknown) => Math.min(Number(limit ?? 50), MAX_PAGE_SIZE);

export const routes: RestRoute[] = [
  {
    method: 'GET',
    path: '/workflows',
    operationId: 'listWorkflows',
    summary: "Lists the tenant's workflows, newest first.",
    status: 200,
    query: schema.PageQuery('workflows'),
    response: schema.WorkflowList,
    example: { workflows: [shape.workflowSummary(examples.workflow)], next_cursor: null },
    errors: [400],
    async handle({ query, run }) {
      const { workflows } = await run(op.ListWorkflows, { first: pageSize(query.limit), after: query.cursor as string | undefined });
      return { workflows: workflows.edges.map((edge) => shape.workflowSummary(edge.node)), next_cursor: workflows.pageInfo.hasNextPage ? workflows.pageInfo.endCursor : null };
    },
  },
  {
    method: 'POST',
    path: '/workflows',
    operationId: 'createWorkflow',
    summary: 'Creates a workflow; the markdown is compiled into an execution plan. Invalid markdown is a 400 with `compiler_notes`.',
    status: 201,
    body: schema.MarkdownBody,
    response: schema.Workflow,
    example: shape.workflow(examples.workflow),
    errors: [400],
    async handle({ body, run }) {
      const { createWorkflow } = await run(op.CreateWorkflow, { markdown: body.markdown as string });
      return shape.workflow(failIfError(createWorkflow));
    },
  },
  {
    method: 'POST',
    path: '/workflows/compile',
    operationId: 'compileWorkflow',
    summary: 'Compiles markdown without saving it: `valid` says whether it compiles, `compiler_notes` why not.',
    status: 200,
    body: schema.MarkdownBody,
    response: schema.CompileResult,
    example: { valid: true, ...shape.plan(examples.workflow.plan) },
    errors: [400],
    async handle({ body, run }) {
      const { compileWorkflow } = await run(op.CompileWorkflow, { markdown: body.markdown as string });
      const result = failIfError(compileWorkflow);
      return { valid: result.valid, ...shape.plan(result.plan) };
    },
  },
  {
    method: 'GET',
    path: '/workflows/:id',
    operationId: 'getWorkflow',
    summary: 'One workflow, with its compiled execution plan.',
    status: 200,
    response: schema.Workflow,
    example: shape.workflow(examples.workflow),
    errors: [404],
    async handle({ params, run }) {
      const { workflow } = await run(op.GetWorkflow, { id: params.id });
      return shape.workflow(found(workflow, 'Workflow', params.id));
    },
  },
  {
    method: 'PUT',
    path: '/workflows/:id',
    operationId: 'updateWorkflow',
    summary: "Replaces a workflow's markdown and recompiles it; the previous version is kept as a revision.",
    status: 200,
    body: schema.MarkdownBody,
    response: schema.Workflow,
    example: shape.workflow(examples.workflow),
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      const { updateWorkflow } = await run(op.UpdateWorkflow, { id: params.id, markdown: body.markdown as string });
      return shape.workflow(failIfError(updateWorkflow));
    },
  },
  {
    method: 'DELETE',
    path: '/workflows/:id',
    operationId: 'deleteWorkflow',
    summary: 'Deletes a workflow; its past executions stay readable.',
    status: 204,
    errors: [404],
    async handle({ params, run }) {
      failIfError((await run(op.DeleteWorkflow, { id: params.id })).deleteWorkflow);
    },
  },
  {
    method: 'POST',
    path: '/workflows/:id/run',
    operationId: 'runWorkflow',
    summary: 'Starts an execution and returns at once. Inputs are checked against the plan; a 400 names every problem; an agent whose tool server the tenant has not configured → 409.',
    status: 202,
    body: schema.RunBody,
    response: schema.ExecutionStarted,
    example: { execution_id: examples.execution.id, status: 'running', started_at: examples.execution.startedAt },
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      const { runWorkflow } = await run(op.RunWorkflow, { workflowId: params.id, inputs: body.inputs ?? {}, budget: body.budget as BudgetInput | null | undefined });
      const execution = failIfError(runWorkflow);
      // A start may already have ended it (no first call fits its budget).
      return { execution_id: execution.id, status: shape.executionStatus(execution.status), started_at: execution.startedAt };
    },
  },
  {
    method: 'GET',
    path: '/executions',
    operationId: 'listExecutions',
    summary: "Lists the tenant's executions, newest first.",
    status: 200,
    query: schema.ExecutionQuery,
    response: schema.ExecutionList,
    example: { executions: [shape.execution(examples.execution)], next_cursor: null },
    errors: [400],
    async handle({ query, run }) {
      const { executions } = await run(op.ListExecutions, {
        first: pageSize(query.limit),
        after: query.cursor as string | undefined,
        statuses: shape.statusesOf(query.status as string | undefined),
        // A recipe's execution carries its recipe's rcp_… id as workflow_id, and filters by it.
        ...(String(query.workflow_id ?? '').startsWith('rcp_') ? { recipeId: query.workflow_id as string } : { workflowId: query.workflow_id as string | undefined }),
      });
      return { executions: executions.edges.map((edge) => shape.execution(edge.node)), next_cursor: executions.pageInfo.hasNextPage ? executions.pageInfo.endCursor : null };
    },
  },
  {
    method: 'GET',
    path: '/executions/:id',
    operationId: 'getExecution',
    summary: "An execution's status and, once complete, its output (the newest version's).",
    status: 200,
    response: schema.Execution,
    example: shape.execution(examples.execution),
    errors: [404],
    async handle({ params, run }) {
      return shape.execution(found((await run(op.GetExecution, { id: params.id })).execution, 'Execution', params.id));
    },
  },
  {
    method: 'GET',
    path: '/executions/:id/steps',
    operationId: 'getExecutionSteps',
    summary: 'Step-level results, in plan order; the items of a For each step follow it with their `item_index`.',
    status: 200,
    response: schema.StepList,
    example: { steps: [shape.step(examples.step)] },
    errors: [404],
    async handle({ params, run }) {
      const execution = found((await run(op.GetSteps, { id: params.id })).execution, 'Execution', params.id);
      return { steps: execution.steps.map(shape.step) };
    },
  },
  {
    method: 'DELETE',
    path: '/executions/:id',
    operationId: 'stopExecution',
    summary: 'Stops a running execution: nothing more starts and model calls in flight are aborted.',
    status: 200,
    response: schema.Execution,
    example: shape.execution({ ...examples.execution, status: 'STOPPED', output: null, version: 0 }),
    errors: [404, 409],
    async handle({ params, run }) {
      return shape.execution(failIfError((await run(op.StopExecution, { id: params.id })).stopExecution));
    },
  },
  {
    method: 'POST',
    path: '/executions/:id/steps/:step_id/approve',
    operationId: 'approveStep',
    summary: 'Approves or rejects a step awaiting approval (a rejection needs a reason).',
    status: 200,
    body: schema.ApproveBody,
    response: schema.Execution,
    example: shape.execution({ ...examples.execution, status: 'RUNNING', output: null, version: 0 }),
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      const { approveStep } = await run(op.ApproveStep, { executionId: params.id, stepId: params.step_id, approved: body.approved as boolean, reason: body.reason as string | undefined });
      return shape.execution(failIfError(approveStep));
    },
  },
  {
    method: 'POST',
    path: '/executions/:id/share',
    operationId: 'shareExecution',
    summary: "Creates a public link to a completed execution's output; calling again returns the same link.",
    status: 200,
    response: schema.ShareLink,
    example: { share_url: examples.execution.shareUrl },
    errors: [404, 409],
    async handle({ params, run }) {
      return { share_url: failIfError((await run(op.ShareExecution, { id: params.id })).shareExecution).shareUrl };
    },
  },
  {
    method: 'DELETE',
    path: '/executions/:id/share',
    operationId: 'revokeShare',
    summary: 'Revokes the share link: it answers 404 from then on.',
    status: 204,
    errors: [404],
    async handle({ params, run }) {
      failIfError((await run(op.RevokeShare, { id: params.id })).revokeShare);
    },
  },
  {
    method: 'POST',
    path: '/executions/:id/refine',
    operationId: 'refineExecution',
    summary: 'Refines the output with a follow-up prompt, in the background: poll `refine_status`; the result is a new version.',
    status: 202,
    body: schema.RefineBody,
    response: schema.RefineStarted,
    example: { status: 'refining', message: 'Refinement started' },
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      failIfError((await run(op.RefineExecution, { id: params.id, prompt: body.prompt as string })).refineExecution);
      return { status: 'refining', message: 'Refinement started' };
    },
  },
  {
    method: 'GET',
    path: '/executions/:id/versions',
    operationId: 'listVersions',
    summary: 'Output versions, newest first; version 1 is the original output.',
    status: 200,
    response: schema.VersionList,
    example: { versions: [shape.versionSummary({ ...examples.version, version: 2, prompt: 'Make the intro more concise', parentVersion: 1 }), shape.versionSummary(examples.version)] },
    errors: [404],
    async handle({ params, run }) {
      const execution = found((await run(op.ListVersions, { id: params.id })).execution, 'Execution', params.id);
      return { versions: execution.versions.map(shape.versionSummary) };
    },
  },
  {
    method: 'GET',
    path: '/executions/:id/versions/:version',
    operationId: 'getVersion',
    summary: 'The output of one version.',
    status: 200,
    response: schema.Version,
    example: shape.version(examples.version),
    errors: [400, 404],
    async handle({ params, run }) {
      const number = Number(params.version);
      if (!/^\d{1,9}$/.test(params.version) || number < 1) throw new RestError(400, 'Bad request', `version must be a positive integer, got "${params.version}"`);
      const execution = found((await run(op.GetVersion, { id: params.id, number })).execution, 'Execution', params.id);
      if (!execution.outputVersion) throw new RestError(404, 'Version not found', `Execution ${params.id} has no output version ${number}`);
      return shape.version(execution.outputVersion);
    },
  },
  ...forkRoutes,
];
