import type { z } from 'zod';
import type { RestForkFragment } from '../../src/generated/graphql/graphql.ts';
import { failIfError } from '../graphql.ts';
import type { RestRoute } from '../route.ts';
import * as op from './fork-operations.ts';
import * as schema from './fork-schemas.ts';

const started = (fork: RestForkFragment): z.infer<typeof schema.ForkStarted> => ({
  execution_id: fork.execution.id,
  status: fork.execution.status.toLowerCase() as z.infer<typeof schema.ForkStarted>['status'],
  started_at: fork.execution.startedAt,
  forked_from: fork.execution.forkedFrom?.id ?? '',
  from_step: fork.execution.forkedFromStep ?? '',
  preview: {
    steps_to_run: fork.preview.stepsToRun,
    steps_reused: fork.preview.stepsReused,
    estimated_tokens: fork.preview.estimatedTokens,
    estimated_cost_usd: fork.preview.estimatedCostUsd,
    unestimated_steps: fork.preview.unestimatedSteps,
  },
});

const example: z.infer<typeof schema.ForkStarted> = {
  execution_id: 'exec_5r0t2m8q1w7e4y6u3i9o0p2a1',
  status: 'running',
  started_at: '2026-12-01T10:15:00.000Z',
  forked_from: 'exec_0h3bq9c2m1x8v7k4l5p6n2r1t',
  from_step: 'write',
  preview: { steps_to_run: ['write', 'review'], steps_reused: ['research'], estimated_tokens: 4210, estimated_cost_usd: 0.0213, unestimated_steps: [] },
};

export const forkRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/executions/:id/fork',
    operationId: 'forkExecution',
    summary:
      'Starts a new execution of the same plan from `from_step`: every step not depending on it keeps its recorded output (no model call, no cost); the step and what follows run again. ' +
      'Answers with the preview it started with. A running execution → 409; an unknown step or an item of a For each step → 400.',
    status: 202,
    body: schema.ForkBody,
    response: schema.ForkStarted,
    example,
    errors: [400, 404, 409],
    async handle({ params, body, run }) {
      const { forkExecution } = await run(op.ForkExecution, { id: params.id, fromStep: body.from_step as string, inputs: body.inputs ?? undefined, onLatest: body.on_latest as boolean | null | undefined, planOverrides: body.plan_overrides });
      return started(failIfError(forkExecution));
    },
  },
  {
    method: 'POST',
    path: '/executions/:id/retry',
    operationId: 'retryExecution',
    summary: 'Forks from the first step that did not complete (failed, rejected, stopped or never ran). Every step completed → 409.',
    status: 202,
    response: schema.ForkStarted,
    example: { ...example, from_step: 'review', preview: { ...example.preview, steps_to_run: ['review'], steps_reused: ['research', 'write'], estimated_tokens: 1830, estimated_cost_usd: 0.0091 } },
    errors: [404, 409],
    async handle({ params, run }) {
      const { retryExecution } = await run(op.RetryExecution, { id: params.id });
      return started(failIfError(retryExecution));
    },
  },
];
