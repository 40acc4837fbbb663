import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

// The dashboard shows outputs as the share page does: the same renderer and sanitizer, through GraphQL.

const Rendered = graphql(`
  query TestRenderedOutput($id: ID!) {
    execution(id: $id) { output outputHtml versions { version html } steps { stepId output outputHtml } }
  }
`);

const Share = graphql(`
  mutation TestRenderedShare($id: ID!) {
    shareExecution(id: $id) { __typename ... on Execution { shareUrl } }
  }
`);

const NOTE = `# Rendered note
## Agents
### Writer
Writes.
## Steps
### Write
Agent: Writer
Write it.
## Output
steps.write.output
`;
const ANSWER = '# Heading\n\nSome **bold** text <script>window.pwned = 1</script><a href="javascript:alert(1)" onclick="x()">link</a>';

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t?.stop();
  await fake.close();
});

it('gives an execution, its versions and its steps the share page’s sanitized HTML', async () => {
  fake.reply = () => ({ text: ANSWER });
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, await createWorkflowId(t, NOTE));
  await watch.until(id, ['completed']);
  await watch.stop();
  const execution = (await t.request(Rendered, { id })).body.data!.execution!;
  expect(execution.output).toBe(ANSWER);
  const html = execution.outputHtml!;
  expect(html).toContain('<h1>Heading</h1>');
  expect(html).toContain('<strong>bold</strong>');
  expect(html).not.toMatch(/<script|javascript:|onclick/);
  expect(execution.versions).toEqual([{ version: 1, html }]);
  expect(execution.steps[0].outputHtml).toBe(html);

  // Exactly what the share page shows.
  const shared = (await t.request(Share, { id })).body.data!.shareExecution;
  if (shared.__typename !== 'Execution') throw new Error(shared.__typename);
  const page = await (await fetch(`${t.url}${new URL(shared.shareUrl!).pathname}`)).text();
  expect(page).toContain(`<article>\n${html}\n</article>`);
});
