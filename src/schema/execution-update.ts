import { builder } from '../builder.ts';
import type { Events } from '../store/events.ts';

export const ExecutionStatus = builder.enumType('ExecutionStatus', {
  values: {
    RUNNING: { value: 'running' },
    AWAITING_APPROVAL: { value: 'awaiting_approval' },
    COMPLETED: { value: 'completed' },
    FAILED: { value: 'failed' },
    STOPPED: { value: 'stopped' },
    BUDGET_EXHAUSTED: { value: 'budget_exhausted', description: 'Ended because no further model call fitted its budgets; its finished steps and partial output are kept. REST clients see `failed` with the error `budget exhausted: …`.' },
  } as const,
});

const ExecutionUpdate = builder.objectRef<Events['executionUpdated']>('ExecutionUpdate').implement({
  description: 'A status change of one execution.',
  fields: (t) => ({
    executionId: t.exposeID('executionId'),
    workflowId: t.exposeID('workflowId', { nullable: true, description: "The markdown workflow it runs; null for a recipe's execution." }),
    recipeId: t.exposeID('recipeId', { nullable: true, description: "The recipe it runs; null for a markdown workflow's execution." }),
    status: t.expose('status', { type: ExecutionStatus }),
    at: t.field({ type: 'DateTime', resolve: (update) => update.at }),
  }),
});

builder.subscriptionField('executionUpdates', (t) =>
  t.field({
    type: ExecutionUpdate,
    description: "Status changes of every execution of the caller's tenant, for dashboards.",
    subscribe: async (_root, _args, ctx) => {
      const updates = ctx.pubsub.subscribe('executionUpdated', ctx.tenant.id);
      await updates.ready;
      return updates;
    },
    resolve: (update) => update,
  }),
);
