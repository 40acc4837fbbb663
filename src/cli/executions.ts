import { graphql } from '../generated/graphql/gql.ts';
import type { CliExecutionQuery, ExecutionStatus } from '../generated/graphql/graphql.ts';
import type { Api } from './api.ts';
import { CliError, UsageError } from './errors.ts';
import { duration, lower, table, usd } from './table.ts';

const CliExecutions = graphql(`
  query CliExecutions($first: Int!, $status: ExecutionStatus) {
    executions(first: $first, status: $status) {
      totalCount
      edges {
        node {
          id
          workflowId
          recipeId
          workflowName
          status
          stepsCompleted
          stepsTotal
          startedAt
          completedAt
        }
      }
    }
  }
`);

const CliExecution = graphql(`
  query CliExecution($id: ID!) {
    execution(id: $id) {
      id
      workflowId
      recipeId
      workflowName
      status
      error
      inputs
      startedAt
      completedAt
      stepsCompleted
      stepsTotal
      output
      outputType
      version
      shareUrl
      forkedFromStep
      forkedFrom {
        id
      }
      plan {
        steps {
          id
          dependsOn
        }
      }
      steps {
        stepId
        itemIndex
        status
        model
        attempts
        startedAt
        completedAt
        durationMs
        costUsd
        error
        output
        reused
        tokens {
          input
          output
        }
        approval {
          approved
          reason
        }
      }
    }
  }
`);

export type ExecutionDetail = NonNullable<CliExecutionQuery['execution']>;
export type StepDetail = ExecutionDetail['steps'][number];

const STATUSES: ExecutionStatus[] = ['RUNNING', 'AWAITING_APPROVAL', 'COMPLETED', 'FAILED', 'STOPPED', 'BUDGET_EXHAUSTED'];

export function statusOf(given: string | undefined): ExecutionStatus | undefined {
  if (given === undefined) return undefined;
  const status = given.toUpperCase().replace(/-/g, '_') as ExecutionStatus;
  if (!STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.map(lower).join(', ')}, not "${given}"`);
  return status;
}

export async function fetchExecution(api: Api, id: string): Promise<ExecutionDetail> {
  const { execution } = await api.request(CliExecution, { id });
  if (!execution) throw new CliError(`no execution with id ${id}`, 'baton executions lists them');
  return execution;
}

/** How long it ran: until it finished, or until now. */
export const elapsed = (since: string, until: string | null | undefined, now = Date.now()) => (until ? Date.parse(until) : now) - Date.parse(since);

export async function listExecutions(api: Api, { status, limit, json }: { status?: string; limit: number; json: boolean }): Promise<void> {
  const { executions } = await api.request(CliExecutions, { first: limit, status: statusOf(status) });
  const nodes = executions.edges.map((edge) => edge.node);
  if (json) return void console.log(JSON.stringify(nodes, null, 2));
  if (nodes.length === 0) return void console.log(status ? `No ${lower(status)} executions` : 'No executions yet: baton run <file.md | workflow id>');
  console.log(
    table([
      ['ID', 'WORKFLOW', 'STATUS', 'STEPS', 'STARTED', 'TOOK'],
      ...nodes.map((e) => [e.id, e.workflowName, lower(e.status), `${e.stepsCompleted}/${e.stepsTotal}`, e.startedAt, duration(elapsed(e.startedAt, e.completedAt))]),
    ]),
  );
  if (executions.totalCount > nodes.length) console.log(`(${nodes.length} of ${executions.totalCount}; --limit shows more)`);
}

/** The key of a step row or an event's step: its id, and its item index inside a For each step. */
export const keyOf = (stepId: string, itemIndex: number | null | undefined) => (typeof itemIndex === 'number' && itemIndex >= 0 ? `${stepId}[${itemIndex}]` : stepId);

const stepKey = (step: StepDetail) => keyOf(step.stepId, step.itemIndex);

/** One row per step: status, model, tokens, cost, how long it took. */
export function stepRows(execution: ExecutionDetail, now = Date.now()): string[][] {
  return execution.steps.map((step) => [
    stepKey(step),
    lower(step.status),
    step.model ?? '',
    step.tokens.input + step.tokens.output > 0 ? `${step.tokens.input}→${step.tokens.output} tok` : '',
    step.costUsd > 0 || step.tokens.output > 0 ? usd(step.costUsd) : '',
    step.reused ? 'reused' : step.startedAt ? duration(step.durationMs ?? elapsed(step.startedAt, step.completedAt, now)) : '',
  ]);
}

export const totals = (execution: ExecutionDetail) =>
  execution.steps.reduce((sum, step) => ({ tokens: sum.tokens + step.tokens.input + step.tokens.output, cost: sum.cost + step.costUsd }), { tokens: 0, cost: 0 });

export async function showExecution(api: Api, id: string, json: boolean): Promise<void> {
  const execution = await fetchExecution(api, id);
  if (json) return void console.log(JSON.stringify(execution, null, 2));
  const { tokens, cost } = totals(execution);
  console.log(`${execution.workflowName}  ${execution.id}`);
  console.log(`${lower(execution.status)} · ${execution.stepsCompleted}/${execution.stepsTotal} steps · ${tokens} tokens · ${usd(cost)} · ${duration(elapsed(execution.startedAt, execution.completedAt))}`);
  if (execution.error) console.log(`error: ${execution.error}`);
  if (execution.forkedFrom) console.log(`forked from ${execution.forkedFrom.id} at step ${execution.forkedFromStep}`);
  console.log(`inputs: ${JSON.stringify(execution.inputs)}`);
  if (execution.steps.length > 0) console.log(`\n${table(stepRows(execution))}`);
  for (const step of execution.steps.filter((s) => s.error)) console.log(`  ${stepKey(step)}: ${step.error}`);
  if (execution.output !== null && execution.output !== undefined) console.log(`\nOutput (v${execution.version}):\n${execution.output}`);
  if (execution.shareUrl) console.log(`\nShared at ${execution.shareUrl}`);
}
