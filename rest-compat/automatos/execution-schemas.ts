import { z } from 'zod';
import { Budget, queryInteger } from '../input.ts';

// Executions of recipes in the product's JSON (spec recipes-api.md §3): views over Baton's executions.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const int = () => z.number().int();
const json = z.unknown();

export const RECIPE_EXECUTION_STATUSES = ['pending', 'running', 'awaiting_approval', 'completed', 'failed', 'cancelled'] as const;
const RecipeExecutionStatus = z.enum(RECIPE_EXECUTION_STATUSES).describe('pending: no step has started yet; cancelled: stopped');
const STEP_STATUSES = ['running', 'awaiting_approval', 'completed', 'failed', 'skipped', 'rejected', 'cancelled'] as const;

export const ExecuteBody = z.strictObject({ input_data: z.record(z.string(), json).nullish().describe("The recipe's inputs by name; defaults fill the ones left out"), budget: Budget.nullish() });

export const ExecuteStarted = z.object({
  recipe_execution_id: z.string().describe('exec_…: also readable at /executions/{id} and in GraphQL'),
  recipe_id: z.string().describe("The recipe's template_id"),
  status: z.literal('started'),
  total_steps: int(),
  message: z.string(),
});

export const ToolCall = z.object({
  action: z.string().describe('The tool, as the model saw it'),
  params: json.describe('What the model sent'),
  result: json.describe("What the tool answered (structured content, else its text); the failure's message when is_error"),
  duration_ms: int().nullable().describe('How long the tool took; null for calls recorded before durations were'),
  is_error: z.boolean().describe('The call failed; the model was told why'),
});

export const StepResult = z.object({
  step_id: z.string(),
  order: z.number(),
  agent_id: z.string().nullable(),
  agent_name: z.string().nullable(),
  status: z.enum(STEP_STATUSES).describe('running also while the step waits to be retried (see retries and error)'),
  output: z.string().nullable(),
  tool_calls: z.array(ToolCall),
  duration_ms: int().nullable(),
  tokens_used: int().describe('Input and output tokens'),
  started_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
  error: z.string().nullable(),
  retries: int().describe('Attempts after the first'),
});

export const OutputData = z.object({
  final_output: z.string(),
  total_duration_ms: int(),
  total_tokens: int(),
  steps_completed: int(),
});

export const RecipeExecution = z.object({
  execution_id: z.string(),
  recipe_id: z.string().describe("The recipe's template_id"),
  recipe_name: z.string(),
  status: RecipeExecutionStatus,
  current_step: z.number().describe('The order of the step running (or awaiting approval) now; when none is, of the last one that finished; 0 before any'),
  total_steps: int(),
  step_results: z.array(StepResult).describe('Every step that has started or was skipped, in plan order: the full record'),
  input_data: z.record(z.string(), json),
  output_data: OutputData.nullable().describe('Once completed'),
  error_message: z.string().nullable(),
  started_at: timestamp,
  completed_at: timestamp.nullable(),
  triggered_by: z.string().describe('manual (the API), cron or webhook'),
  execution_metadata: z.record(z.string(), json).describe("The recipe's template_id, version and execution_config when it started"),
  total_duration_ms: int().nullable().describe('Once finished'),
});

export const RecipeExecutionList = z.object({
  items: z.array(RecipeExecution),
  total: int(),
  skip: int(),
  limit: int(),
  recipe_id: z.string(),
  recipe_quality_score: z.number().nullable(),
});

export const RecipeExecutionQuery = z.object({
  status: z.enum(RECIPE_EXECUTION_STATUSES, { error: `must be one of ${RECIPE_EXECUTION_STATUSES.join(', ')}` }).optional().describe('Only executions with this status (failed includes runs their budget stopped, which read as failed)'),
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 20)'),
});

export const LogMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: json.describe('Text, or the tool_use / tool_result blocks of a tool call'),
});

export const StepLog = z.object({
  step_order: z.number(),
  execution_id: z.string(),
  log_url: z.string().describe("This resource's own URL"),
  log_data: z.object({
    step_id: z.string(),
    order: z.number(),
    agent_id: z.string().nullable(),
    agent_name: z.string().nullable(),
    agent_output: z.string().nullable(),
    tool_calls: z.array(ToolCall),
    messages: z.array(LogMessage).describe('What the model was sent and answered: the system prompt, the prompt, each tool call and result, the output'),
    tokens_used: int(),
    duration_ms: int().nullable(),
  }),
});
