import { graphql } from '../generated/graphql/gql.ts';
import type { Api } from './api.ts';
import { CliError } from './errors.ts';
import { describeEvent, followEvents, type Event } from './follow.ts';

const CliExecutionLog = graphql(`
  query CliExecutionLog($id: ID!, $afterSeq: Int) {
    execution(id: $id) {
      id
      events(afterSeq: $afterSeq) {
        seq
        kind
        at
        payload
      }
    }
  }
`);

/**
 * `baton logs <id> [--follow]`: the execution's stored events, one per line (JSON lines with --json);
 * with --follow, then the live ones until it finishes, resuming by sequence number if the connection drops.
 */
export async function showLogs(api: Api, id: string, { follow, json, afterSeq }: { follow: boolean; json: boolean; afterSeq: number }): Promise<void> {
  const print = (event: Event) => {
    if (event.seq === null) return;
    console.log(json ? JSON.stringify(event) : `${event.at}  #${event.seq}  ${describeEvent(event)}`);
  };
  if (follow) {
    await followEvents(api, id, afterSeq, print, (reason) => console.error(`baton: ${reason}; reconnecting…`));
    return;
  }
  const { execution } = await api.request(CliExecutionLog, { id, afterSeq });
  if (!execution) throw new CliError(`no execution with id ${id}`, 'baton executions lists them');
  for (const event of execution.events) print(event as Event);
}
