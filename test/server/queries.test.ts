import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const Nested = graphql(`
  query QueriesNested($first: Int) {
    executions(first: $first) {
      edges { node { id status steps { stepId status tokens { input } } events(afterSeq: 1) { seq type } } }
    }
  }
`);

let t: TestApp;
/** An API process on the same database, counting its queries: it has no worker, whose heartbeats and sweeps would be counted too. */
let api: TestApp;
const queries: string[] = [];
beforeAll(async () => {
  t = await startTestApp();
  const workflowId = await createWorkflowId(t, readFileSync(new URL('../../docs/examples/workflows/parallel-perspectives.md', import.meta.url), 'utf8'));
  const watch = await watchExecutions(t);
  for (let i = 0; i < 6; i++) await watch.until(await startExecutionId(t, workflowId, { decision: `Decision ${i}` }), ['completed']);
  await watch.stop();
  api = await startTestApp({ databaseUrl: t.databaseUrl, role: 'api', onQuery: (sql) => queries.push(sql) });
});
afterAll(async () => {
  await api?.stop();
  await t?.stop();
});

async function count(first: number): Promise<number> {
  queries.length = 0;
  const { body } = await api.request(Nested, { first }, credentialsOf(t.tenant));
  expect(body.data!.executions.edges).toHaveLength(first);
  expect(body.data!.executions.edges.every((edge) => edge.node.steps.length === 4)).toBe(true);
  return queries.length;
}

describe('a nested executions → steps query', () => {
  it('runs the same number of SQL queries for 2 executions as for 6 (no N+1)', async () => {
    const few = await count(2);
    const many = await count(6);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(5);
  });
});
