import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { inputSchema, toolDescription, type Runnable } from './mcp-catalogue.ts';
import { executionOutputSchema, runOutputSchema } from './mcp-execution.ts';

// The MCP server's tools as tools/list shows them, and the arguments of the fixed ones.

export const SERVER_INFO = { name: 'baton', title: 'Baton', version: '0.1.0' };

export const INSTRUCTIONS =
  "Baton runs multi-agent workflows. Each run_* tool runs one of the tenant's workflows or recipes and returns its output. " +
  'A run that needs a person\'s approval, or runs longer than the server waits, returns its execution_id and status instead: ' +
  'use approve_step to decide, and get_execution (with wait_seconds) to follow it. stop_execution stops a run.';

const executionId = z.string().min(1).max(200).describe('The execution id (exec_…) a run_* tool returned.');

export const FIXED_ARGS = {
  get_execution: z.strictObject({
    execution_id: executionId,
    wait_seconds: z.number().int().min(0).max(3600).default(0).describe('Wait up to this many seconds (capped by the server) for the execution to finish or to need an approval; 0 answers at once.'),
  }),
  approve_step: z.strictObject({
    execution_id: executionId,
    step_id: z.string().min(1).max(200).describe('The step awaiting approval (see awaiting_approval in get_execution).'),
    approved: z.boolean().describe('true approves the step; false rejects it (the execution fails, or the step named by its "On reject: revise" runs again).'),
    reason: z.string().max(10_000).optional().describe('Why; required when rejecting. A checkpoint approved with a reason takes it as its output.'),
  }),
  stop_execution: z.strictObject({ execution_id: executionId }),
};

export const FIXED_TOOLS: Tool[] = [
  {
    name: 'get_execution',
    title: 'Get a Baton execution',
    description: "An execution's status, inputs, output, error and steps (with their outputs), and which steps await approval. With wait_seconds it first waits for the execution to finish or to need an approval.",
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'approve_step',
    title: 'Approve or reject a step',
    description: 'Decides a step that awaits approval and returns the execution as it is then; follow it with get_execution and wait_seconds.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  {
    name: 'stop_execution',
    title: 'Stop a Baton execution',
    description: 'Stops a running execution: queued steps never start and model calls in flight are aborted.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  },
].map((tool) => {
  // No `$schema`: like the run tools', these schemas are in MCP's default dialect (JSON Schema 2020-12).
  const { $schema: _, ...inputSchema } = z.toJSONSchema(FIXED_ARGS[tool.name as keyof typeof FIXED_ARGS], { io: 'input' });
  return { ...tool, inputSchema: inputSchema as Tool['inputSchema'], outputSchema: executionOutputSchema };
});

export const runTool = (runnable: Runnable): Tool => ({
  name: runnable.name,
  title: runnable.title,
  description: toolDescription(runnable),
  inputSchema: inputSchema(runnable.inputs),
  outputSchema: runOutputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
});
