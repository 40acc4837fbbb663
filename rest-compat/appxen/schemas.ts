import { z } from 'zod';
import { queryInteger, Budget } from '../input.ts';

// The first product document's JSON, as Baton answers it: the shapes (shapes.ts) are typed by these
// schemas, the OpenAPI document is generated from them, and the contract test checks every response
// against that document. A `null` field is declared nullable here, never left out.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
/** Any JSON value (GraphQL's JSON scalar); documented as `{}`, any value. */
const json = z.custom<z.core.util.JSONType>((value) => value !== undefined).describe('Any JSON value');
const int = () => z.number().int();

export const CompilerNote = z.object({
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string().describe('A stable code, e.g. UNKNOWN_AGENT'),
  message: z.string(),
  line: int(),
  column: int(),
});

const OutputType = z.enum(['markdown', 'text', 'json', 'html']);

export const ExecutionPlan = z.object({
  name: z.string(),
  description: z.string(),
  inputs: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['string', 'number', 'boolean', 'string[]', 'number[]', 'object']),
      required: z.boolean(),
      default: json.nullable(),
      enum: z.array(json).nullable(),
      description: z.string(),
    }),
  ),
  agents: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      model: z.string(),
      model_id: z.string(),
      tools: z.array(z.string()),
      temperature: z.number().nullable(),
      max_tokens: int(),
      system_prompt: z.string(),
    }),
  ),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      agent: z.string().nullable().describe('null for a step without an agent (an approval checkpoint)'),
      prompt: z.string(),
      depends_on: z.array(z.string()),
      approval: z.boolean(),
      condition: z.string().nullable(),
      for_each: z.string().nullable(),
      concurrency: int().nullable(),
      retries: int(),
      retry_delay_ms: int(),
      timeout_ms: int(),
      on_error: z.enum(['stop', 'continue', 'retry']),
      on_reject: z.enum(['fail', 'revise']),
      revise_step: z.string().nullable(),
      model: z.string().nullable(),
      model_id: z.string().nullable(),
      max_turns: int(),
      output_format: z.enum(['markdown', 'text', 'json']),
      output_schema: json.nullable(),
    }),
  ),
  output: z.string(),
  output_mode: z.enum(['path', 'template']),
  output_type: OutputType,
  compiler_notes: z.array(CompilerNote),
});

export const WorkflowSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  version: int(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const Workflow = WorkflowSummary.extend({ markdown: z.string(), execution_plan: ExecutionPlan });

export const WorkflowList = z.object({ workflows: z.array(WorkflowSummary), next_cursor: z.string().nullable() });

export const CompileResult = ExecutionPlan.extend({ valid: z.boolean().describe('Whether the markdown compiles (errors make it false; warnings do not)') });

const EXECUTION_STATUSES = ['running', 'awaiting_approval', 'completed', 'failed', 'stopped'] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES);

export const Execution = z.object({
  execution_id: z.string(),
  workflow_id: z.string().describe("The workflow's id; for an execution of a recipe (the recipe API), the recipe's rcp_… id"),
  workflow_name: z.string(),
  status: ExecutionStatus,
  started_at: timestamp,
  completed_at: timestamp.nullable(),
  steps_completed: int(),
  steps_total: int(),
  final_output: z.string().nullable(),
  output_type: OutputType,
  inputs: z.record(z.string(), json),
  error: z.string().nullable(),
  version: int(),
  refine_status: z.enum(['refining', 'completed', 'failed']).nullable(),
  share_url: z.string().nullable(),
});

export const ExecutionStarted = z.object({ execution_id: z.string(), status: ExecutionStatus, started_at: timestamp });

export const ExecutionList = z.object({ executions: z.array(Execution), next_cursor: z.string().nullable() });

export const Step = z.object({
  step_id: z.string(),
  item_index: int().nullable().describe('The item of a For each step; null for the step itself'),
  agent_id: z.string().nullable(),
  status: z.enum(['pending', 'running', 'awaiting_approval', 'completed', 'failed', 'skipped', 'rejected', 'stopped']),
  model: z.string().nullable(),
  output: z.string().nullable(),
  tokens: z.object({ input: int(), output: int() }),
  turns: int(),
  tool_calls: int(),
  started_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
  duration_ms: int().nullable(),
  attempts: int(),
  error: z.string().nullable(),
  approval: z.object({ approved: z.boolean(), reason: z.string().nullable(), at: timestamp }).nullable(),
});

export const StepList = z.object({ steps: z.array(Step) });

export const Version = z.object({
  version: int(),
  output: z.string(),
  output_type: OutputType,
  prompt: z.string().nullable(),
  parent_version: int().nullable(),
  created_at: timestamp,
});

export const VersionSummary = Version.omit({ output: true, output_type: true });

export const VersionList = z.object({ versions: z.array(VersionSummary) });

export const ShareLink = z.object({ share_url: z.string() });

export const RefineStarted = z.object({ status: z.literal('refining'), message: z.string() });

// Requests. Optional fields accept null as absent.

export const MarkdownBody = z.object({ markdown: z.string().describe('The workflow document') });
export const RunBody = z.object({ inputs: z.record(z.string(), json).nullish().describe('Input name → value'), budget: Budget.nullish() });
export const ApproveBody = z.object({
  approved: z.boolean().describe('true to approve, false to reject'),
  reason: z.string().nullish().describe('Why; required to reject'),
});
export const RefineBody = z.object({ prompt: z.string().describe('How to change the output') });

export const PageQuery = (name: string) =>
  z.object({
    limit: queryInteger(1, 200).optional().describe(`How many ${name} to return (default 50)`),
    cursor: z.string().optional().describe('The `next_cursor` of the previous page'),
  });
export const ExecutionQuery = PageQuery('executions').extend({
  status: z.enum(EXECUTION_STATUSES, { error: `must be one of ${EXECUTION_STATUSES.join(', ')}` }).optional().describe('Only executions with this status (failed includes runs their budget stopped, which read as failed)'),
  workflow_id: z.string().optional().describe('Only executions of this workflow (or of this recipe, by its rcp_… id)'),
});
