import type { ExecutionStatus, RestExecutionFragment, RestPlanFragment, RestStepFragment, RestVersionFragment, RestWorkflowFragment, RestWorkflowSummaryFragment } from '../../src/generated/graphql/graphql.ts';
import type { z } from 'zod';
import { compilerNotes } from '../graphql.ts';
import type * as schema from './schemas.ts';
import { FAILED_STATUSES, readsAsFailed } from '../budget-stop.ts';

// GraphQL objects → the documented snake_case JSON. GraphQL enums are UPPER_CASE; REST shows the
// plan's own lowercase words (`string[]` for STRING_LIST).

/** GraphQL's JSON scalar, typed as the JSON it is. */
const json = (value: unknown) => value as z.core.util.JSONType;
const word = <T extends string>(value: T) => value.toLowerCase() as Lowercase<T>;

/** The documented statuses, and the GraphQL statuses a documented status filter stands for (see budget-stop.ts). */
export const executionStatus = (status: ExecutionStatus) => (readsAsFailed(status) ? 'failed' : word(status));
export const statusesOf = (status: string | undefined): ExecutionStatus[] | undefined =>
  status === undefined ? undefined : status === 'failed' ? FAILED_STATUSES : [status.toUpperCase() as ExecutionStatus];
const inputType = (value: RestPlanFragment['inputs'][number]['type']) => (value === 'STRING_LIST' ? 'string[]' : value === 'NUMBER_LIST' ? 'number[]' : word(value));

export function plan(p: RestPlanFragment): z.infer<typeof schema.ExecutionPlan> {
  return {
    name: p.name,
    description: p.description,
    inputs: p.inputs.map((input) => ({ name: input.name, type: inputType(input.type), required: input.required, default: json(input.default ?? null), enum: input.enum?.map(json) ?? null, description: input.description })),
    agents: p.agents.map((agent) => ({
      id: agent.id,
      name: agent.name,
      description: agent.description,
      model: agent.model,
      model_id: agent.modelId,
      tools: agent.tools,
      temperature: agent.temperature ?? null,
      max_tokens: agent.maxTokens,
      system_prompt: agent.systemPrompt,
    })),
    steps: p.steps.map((step) => ({
      id: step.id,
      title: step.title,
      agent: step.agent ?? null,
      prompt: step.prompt,
      depends_on: step.dependsOn,
      approval: step.approval,
      condition: step.condition ?? null,
      for_each: step.forEach ?? null,
      concurrency: step.concurrency ?? null,
      retries: step.retries,
      retry_delay_ms: step.retryDelayMs,
      timeout_ms: step.timeoutMs,
      on_error: word(step.onError),
      on_reject: word(step.onReject),
      revise_step: step.reviseStep ?? null,
      model: step.model ?? null,
      model_id: step.modelId ?? null,
      max_turns: step.maxTurns,
      output_format: word(step.outputFormat),
      output_schema: json(step.outputSchema ?? null),
    })),
    output: p.output,
    output_mode: word(p.outputMode),
    output_type: word(p.outputType),
    compiler_notes: compilerNotes(p.compilerNotes),
  };
}

export const workflowSummary = (w: RestWorkflowSummaryFragment): z.infer<typeof schema.WorkflowSummary> => ({
  id: w.id,
  name: w.name,
  description: w.description,
  version: w.version,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
});

export const workflow = (w: RestWorkflowFragment): z.infer<typeof schema.Workflow> => ({ ...workflowSummary(w), markdown: w.markdown, execution_plan: plan(w.plan) });

export const execution = (e: RestExecutionFragment): z.infer<typeof schema.Execution> => ({
  execution_id: e.id,
  workflow_id: (e.workflowId ?? e.recipeId)!,
  workflow_name: e.workflowName,
  status: executionStatus(e.status),
  started_at: e.startedAt,
  completed_at: e.completedAt ?? null,
  steps_completed: e.stepsCompleted,
  steps_total: e.stepsTotal,
  final_output: e.output ?? null,
  output_type: word(e.outputType),
  inputs: e.inputs as Record<string, z.core.util.JSONType>,
  error: e.error ?? null,
  version: e.version,
  refine_status: e.refineStatus ? word(e.refineStatus) : null,
  share_url: e.shareUrl ?? null,
});

export const version = (v: RestVersionFragment): z.infer<typeof schema.Version> => ({
  version: v.version,
  output: v.output,
  output_type: word(v.outputType),
  prompt: v.prompt ?? null,
  parent_version: v.parentVersion ?? null,
  created_at: v.createdAt,
});

export const versionSummary = (v: RestVersionFragment): z.infer<typeof schema.VersionSummary> => ({ version: v.version, prompt: v.prompt ?? null, parent_version: v.parentVersion ?? null, created_at: v.createdAt });

export const step = (s: RestStepFragment): z.infer<typeof schema.Step> => ({
  step_id: s.stepId,
  item_index: s.itemIndex ?? null,
  agent_id: s.agentId ?? null,
  status: word(s.status),
  model: s.model ?? null,
  output: s.output ?? null,
  tokens: { input: s.tokens.input, output: s.tokens.output },
  turns: s.turns,
  tool_calls: s.toolCalls.length,
  started_at: s.startedAt ?? null,
  completed_at: s.completedAt ?? null,
  duration_ms: s.durationMs ?? null,
  attempts: s.attempts,
  error: s.error ?? null,
  approval: s.approval ?? null,
});
