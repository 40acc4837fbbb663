import { graphql } from '../generated/graphql/gql.ts';
import type { Api } from './api.ts';
import { CliError, problemOf } from './errors.ts';
import { EXIT_CODES, parseInputs } from './run.ts';
import { usd } from './table.ts';
import { watchExecution } from './watch.ts';

graphql(`
  fragment CliFork on Fork {
    execution {
      id
      status
    }
    preview {
      fromStep
      stepsToRun
      stepsReused
      estimatedTokens
      estimatedCostUsd
      unestimatedSteps
    }
  }
`);

const CliForkExecution = graphql(`
  mutation CliForkExecution($id: ID!, $fromStep: String!, $inputs: JSON) {
    forkExecution(id: $id, fromStep: $fromStep, inputs: $inputs) {
      __typename
      ...CliFork
      ... on Error {
        message
        detail
      }
    }
  }
`);

const CliRetryExecution = graphql(`
  mutation CliRetryExecution($id: ID!) {
    retryExecution(id: $id) {
      __typename
      ...CliFork
      ... on Error {
        message
        detail
      }
    }
  }
`);

/**
 * `baton fork <id> <step>` and `baton retry <id>`: starts the fork, says what it runs, keeps and
 * should cost, then returns its id or (with --watch) follows it like `run --watch`.
 */
export async function fork(api: Api, id: string, fromStep: string | undefined, options: { inputs: string[]; watch: boolean; json: boolean; interactive: boolean }): Promise<number> {
  const result =
    fromStep === undefined
      ? (await api.request(CliRetryExecution, { id })).retryExecution
      : (await api.request(CliForkExecution, { id, fromStep, inputs: parseInputs(options.inputs) })).forkExecution;
  if (result.__typename !== 'Fork') throw new CliError(problemOf(result));
  const { execution, preview } = result;
  if (options.json && !options.watch) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const estimate = `${preview.estimatedTokens} tokens, ${usd(preview.estimatedCostUsd)}${preview.unestimatedSteps.length ? ` (no estimate for ${preview.unestimatedSteps.join(', ')})` : ''}`;
  console.error(`Forked ${id} from ${preview.fromStep}: runs ${preview.stepsToRun.join(', ')}; keeps ${preview.stepsReused.join(', ') || 'nothing'}; should cost about ${estimate}`);
  if (!options.watch) {
    console.log(execution.id);
    return 0;
  }
  return EXIT_CODES[await watchExecution(api, execution.id, { json: options.json, interactive: options.interactive })];
}
