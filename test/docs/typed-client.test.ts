import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow } from '../../docs/examples/typed-client.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('the API guide’s typed client', () => {
  it('saves, runs and follows a workflow to its output, as the guide shows', async () => {
    const kinds: string[] = [];
    const markdown = '# Greeter\n## Inputs\n- name: Who to greet (string, required)\n## Agents\n### Writer\nWrites.\nModel: offline\n## Steps\n### Greet\nAgent: Writer\nGreet {{inputs.name}}.\n';
    const execution = await runWorkflow({ url: t.url, apiKey: t.tenant.apiKey, tenantId: t.tenant.tenantId }, markdown, { name: 'Ada' }, (kind) => kinds.push(kind));
    expect(execution).toMatchObject({ status: 'COMPLETED', outputType: 'MARKDOWN', steps: [{ stepId: 'greet', status: 'COMPLETED' }] });
    expect(execution?.output).toContain('Ada');
    expect(kinds).toEqual(expect.arrayContaining(['EXECUTION_RUNNING', 'STEP_STARTED', 'STEP_COMPLETED', 'EXECUTION_COMPLETED']));
    expect(kinds.at(-1)).toBe('EXECUTION_COMPLETED');
  });
});
