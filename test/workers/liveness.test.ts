import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { recoverOrphans } from '../../src/workers/liveness.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic, lastUserText } from '../support/fake-anthropic.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const fanOut = `# Items
## Inputs
- items: Things (string[], required)
## Agents
### Worker
Works.
Model: Haiku
## Steps
### Each
Agent: Worker
For each: inputs.items
Item {{item}}.
`;

const Get = graphql(`
  query LivenessExecution($id: ID!) {
    execution(id: $id) {
      status
      output
      events { kind }
    }
  }
`);

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

describe('the recovery sweep', () => {
  it('leaves a For each step running while its items run: only what a worker claimed can be orphaned', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = (request) => ({ text: `done ${lastUserText(request)}`, after: held });
    const watch = await watchExecutions(t);
    const id = await startExecutionId(t, await createWorkflowId(t, fanOut), { items: ['a', 'b'] });
    await fake.request(2);
    // A sweep (every few seconds, in every worker) while the items' calls run: the step that holds
    // them runs on no worker, and is no orphan.
    expect(await recoverOrphans(t.app.engine)).toBe(0);
    release();
    await watch.until(id, ['completed', 'failed', 'stopped']);
    await watch.stop();
    const execution = (await t.request(Get, { id })).body.data!.execution!;
    expect(execution.status).toBe('COMPLETED');
    expect(execution.events.map((event) => event.kind)).not.toContain('STEP_RECOVERED');
    expect(fake.requests.map(lastUserText).sort()).toEqual(['Item a.', 'Item b.']);
    expect(execution.output).toBe('done Item a.\n\n---\n\ndone Item b.');
  });
});
