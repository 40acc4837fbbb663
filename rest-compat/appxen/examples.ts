import type { RestExecutionFragment, RestStepFragment, RestVersionFragment, RestWorkflowFragment } from '../../src/generated/graphql/graphql.ts';

// Sample objects, as GraphQL returns them: the OpenAPI document shows them through the same shapes
// the routes answer with, so its examples and schemas cannot drift from the responses.

const at = '2026-02-27T10:30:00.000Z';

export const workflow: RestWorkflowFragment = {
  id: 'wf_abc123',
  name: 'Market Research Report',
  description: 'Researches a topic and produces a report',
  markdown: '# Market Research Report\nResearches a topic and produces a report\n\n## Inputs\n- topic: The topic (string, required)\n…',
  version: 1,
  createdAt: at,
  updatedAt: at,
  plan: {
    name: 'Market Research Report',
    description: 'Researches a topic and produces a report',
    inputs: [{ name: 'topic', type: 'STRING', required: true, default: null, enum: null, description: 'The topic' }],
    agents: [{ id: 'researcher', name: 'Researcher', description: 'Finds and summarises sources.', model: 'Sonnet', modelId: 'claude-sonnet-5-5', tools: [], temperature: null, maxTokens: 4096, systemPrompt: 'You are Researcher. Finds and summarises sources.' }],
    steps: [
      {
        id: 'final',
        title: 'Final',
        agent: 'researcher',
        prompt: 'Write a report on {{inputs.topic}}',
        dependsOn: [],
        approval: false,
        condition: null,
        forEach: null,
        concurrency: null,
        retries: 0,
        retryDelayMs: 1000,
        timeoutMs: 300000,
        onError: 'STOP',
        onReject: 'FAIL',
        reviseStep: null,
        model: null,
        modelId: null,
        maxTurns: 10,
        outputFormat: 'MARKDOWN',
        outputSchema: null,
      },
    ],
    output: 'steps.final.output',
    outputMode: 'PATH',
    outputType: 'MARKDOWN',
    compilerNotes: [],
  },
};

export const execution: RestExecutionFragment = {
  id: 'exec_xyz789',
  workflowId: 'wf_abc123',
  recipeId: null,
  workflowName: 'Market Research Report',
  status: 'COMPLETED',
  error: null,
  startedAt: at,
  completedAt: '2026-02-27T10:32:15.000Z',
  stepsCompleted: 3,
  stepsTotal: 3,
  output: '# Market Research Report\n…',
  outputType: 'MARKDOWN',
  inputs: { topic: 'AI in healthcare' },
  version: 1,
  refineStatus: null,
  shareUrl: 'http://localhost:4000/s/0h3bq9c2m1x8v7k4l5p6n2r1t',
};

export const step: RestStepFragment = {
  stepId: 'research',
  itemIndex: null,
  agentId: 'researcher',
  status: 'COMPLETED',
  model: 'claude-sonnet-5-5',
  output: 'Based on my research…',
  tokens: { input: 1250, output: 3400 },
  turns: 3,
  toolCalls: [],
  startedAt: at,
  completedAt: '2026-02-27T10:31:02.000Z',
  durationMs: 62000,
  attempts: 1,
  error: null,
  approval: null,
};

export const version: RestVersionFragment = { version: 1, output: '# Original Report\n…', outputType: 'MARKDOWN', prompt: null, parentVersion: null, createdAt: at };
