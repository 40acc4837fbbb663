import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, NetworkError, type Client } from 'graphql-sse';
import { print, type ExecutionResult } from 'graphql';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const gated = `# Gated over SSE
## Agents
### Worker
Works.
Model: offline
## Steps
### One
Agent: Worker
Do one.
### Gate
Approval: required
Check it.
`;

const Events = graphql(`
  subscription SseEvents($executionId: ID!) {
    executionEvents(executionId: $executionId) { seq type }
  }
`);
const Approve = graphql(`
  mutation SseApprove($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) { __typename }
  }
`);

type Event = { seq: number | null; type: string };

let t: TestApp;
const clients: Client[] = [];
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  clients.forEach((client) => client.dispose());
  await t.stop();
});

type Answer = { status: number; allow: string | null; body: unknown };

/** The real graphql-sse client on /graphql, in the given mode; `answers` gets each JSON answer it receives. */
function sseClient(singleConnection: boolean, answers: Answer[] = []): Client {
  const client = createClient({
    url: `${t.url}/graphql`,
    headers: credentialsOf(t.tenant),
    singleConnection,
    retryAttempts: 0,
    fetchFn: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      // Read now: the client aborts its request (and so the body) once it has failed.
      if (response.headers.get('content-type')?.startsWith('application/json')) {
        answers.push({ status: response.status, allow: response.headers.get('allow'), body: await response.clone().json() });
      }
      return response;
    },
  });
  clients.push(client);
  return client;
}

describe('GraphQL over SSE (graphql-sse client)', () => {
  it('streams executionEvents in distinct connections mode and completes after the final event', async () => {
    const id = await startExecutionId(t, await createWorkflowId(t, gated));
    const events = sseClient(false).iterate({ query: print(Events), variables: { executionId: id } }) as AsyncIterableIterator<ExecutionResult<{ executionEvents: Event }>>;
    const seen: Event[] = [];
    for (;;) {
      const { done, value } = await events.next();
      if (done) throw new Error('ended before the approval');
      seen.push(value.data!.executionEvents);
      if (seen.at(-1)!.type === 'step.awaiting_approval') break;
    }
    await t.request(Approve, { executionId: id, stepId: 'gate', approved: true, reason: 'Fine.' });
    for (;;) {
      const { done, value } = await events.next();
      if (done) break;
      seen.push(value.data!.executionEvents);
    }
    expect(seen[0]).toEqual({ seq: 1, type: 'execution.running' });
    expect(seen.at(-1)!.type).toBe('execution.completed');
    const seqs = seen.flatMap((e) => (e.seq === null ? [] : [e.seq]));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it('refuses single connection mode with 405 and a message that names the modes that work', async () => {
    const answers: Answer[] = [];
    const events = sseClient(true, answers).iterate({ query: print(Events), variables: { executionId: 'exec_any' } });
    const failure = await events.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NetworkError);
    expect((failure as NetworkError<Response>).response?.status).toBe(405);
    expect(answers).toEqual([
      {
        status: 405,
        allow: 'GET, POST',
        body: {
          errors: [
            {
              message: "GraphQL over SSE's single connection mode is not supported",
              extensions: { code: 'BAD_REQUEST', detail: expect.stringMatching(/distinct connections mode \(POST \/graphql with Accept: text\/event-stream.*WebSocket/) },
            },
          ],
        },
      },
    ]);
  });

  it('answers 400 to any request that carries a single-connection stream token', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await fetch(`${t.url}/graphql?operationId=1`, {
        method,
        headers: { ...credentialsOf(t.tenant), 'x-graphql-event-stream-token': 'made-up', accept: 'text/event-stream', 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ query: '{ viewer { tenant { id } } }' }) : undefined,
      });
      expect(response.status).toBe(400);
      expect((await response.json()) as unknown).toMatchObject({ errors: [{ message: "GraphQL over SSE's single connection mode is not supported" }] });
    }
  });
});
