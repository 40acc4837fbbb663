import { stat } from 'node:fs/promises';
import { graphql } from '../generated/graphql/gql.ts';
import type { ExecutionStatus } from '../generated/graphql/graphql.ts';
import type { Api } from './api.ts';
import { CliError, problemOf, UsageError } from './errors.ts';
import { watchExecution } from './watch.ts';
import { pushWorkflow } from './workflows.ts';

const CliRunWorkflow = graphql(`
  mutation CliRunWorkflow($workflowId: ID!, $inputs: JSON, $budget: BudgetInput) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs, budget: $budget) {
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

/** What `baton run --watch` exits with: 0 when the run completed, 1 when it failed (or ran out of budget), 3 when it was stopped. */
export const EXIT_CODES: Record<ExecutionStatus, number> = { COMPLETED: 0, FAILED: 1, BUDGET_EXHAUSTED: 1, STOPPED: 3, RUNNING: 4, AWAITING_APPROVAL: 4 };

/**
 * `--input name=value` (a string; the server reads "5" as 5 for a number input) or `name:=json`
 * (a list, an object, or any JSON value). A name given twice becomes a list.
 */
export function parseInputs(given: string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const entry of given) {
    const match = /^([A-Za-z_][\w-]*)(:?=)([\s\S]*)$/.exec(entry);
    if (!match) throw new UsageError(`--input takes name=value or name:=json, not "${entry}"`);
    const [, name, operator, text] = match;
    let value: unknown = text;
    if (operator === ':=') {
      try {
        value = JSON.parse(text);
      } catch {
        throw new UsageError(`--input ${name}:= needs JSON, not ${text}`);
      }
    }
    inputs[name] = name in inputs ? [inputs[name], value].flat() : value;
  }
  return inputs;
}

const isFile = (path: string) => stat(path).then((s) => s.isFile(), () => false);

/**
 * `baton run <file.md | workflow id>`: a file is pushed first (created, or updated by name), then run.
 * Without --watch it prints the execution's id and returns; with it, follows the run to its end and
 * answers the exit code of its final status.
 */
export async function runWorkflow(api: Api, target: string, options: { inputs: string[]; watch: boolean; json: boolean; interactive: boolean; budget: { tokens?: number; usd?: number } }): Promise<number> {
  const inputs = parseInputs(options.inputs);
  let workflowId = target;
  if (await isFile(target)) {
    const pushed = await pushWorkflow(api, target);
    console.error(`${pushed.action} ${pushed.name} v${pushed.version} (${pushed.id})`);
    workflowId = pushed.id;
  } else if (/\.(md|markdown)$/i.test(target) || target.includes('/')) throw new CliError(`no file ${target}`, 'run takes a markdown file or a workflow id (baton workflows lists them)');
  const budget = options.budget.tokens === undefined && options.budget.usd === undefined ? null : options.budget;
  const { runWorkflow: started } = await api.request(CliRunWorkflow, { workflowId, inputs, budget });
  if (started.__typename !== 'Execution') throw new CliError(problemOf(started), started.__typename === 'NotFoundError' ? 'baton workflows lists them' : undefined);
  if (!options.watch) {
    if (options.json) console.log(JSON.stringify({ id: started.id, status: started.status, workflowId }));
    else {
      console.log(started.id);
      console.error(`Started. Watch it with: baton logs ${started.id} --follow`);
    }
    return 0;
  }
  return EXIT_CODES[await watchExecution(api, started.id, { json: options.json, interactive: options.interactive })];
}
