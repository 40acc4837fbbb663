import { builder } from '../builder.ts';
import { dailyCosts, type DayCost } from '../library/tenant-costs.ts';
import { sizeOf } from './execution-summary.ts';

const DayCostRef = builder.objectRef<DayCost>('DayCost').implement({
  description: "One day (UTC) of a workspace: the executions started, and what its model calls cost (what its budgets are held to).",
  fields: (t) => ({
    date: t.string({ description: 'The day, YYYY-MM-DD (UTC).', resolve: (d) => new Date(d.day).toISOString().slice(0, 10) }),
    runs: t.exposeInt('runs', { description: 'Executions started that day.' }),
    costUsd: t.exposeFloat('costUsd', { description: 'What its model calls cost that day, in US dollars (list prices), whenever their executions started.' }),
    tokens: t.exposeFloat('tokens', { description: 'Tokens its model calls used that day: input, output and cache.' }),
  }),
});

builder.queryField('dailyCosts', (t) =>
  t.field({
    type: [DayCostRef],
    description: "The caller's workspace, one entry per day (UTC), oldest first, for the last `days` days (1–366) up to today: runs started, and what its model calls cost; days without either are there with zeros.",
    args: { days: t.arg.int({ defaultValue: 30 }) },
    resolve: (_root, { days }, ctx) => dailyCosts(ctx.db, ctx.tenant.id, sizeOf('dailyCosts(days:)', days, 30, 366), new Date()),
  }),
);
