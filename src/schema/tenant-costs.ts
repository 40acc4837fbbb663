import { builder } from '../builder.ts';
import { dailyCosts, type DayCost } from '../library/tenant-costs.ts';
import { sizeOf } from './execution-summary.ts';

const DayCostRef = builder.objectRef<DayCost>('DayCost').implement({
  description: 'The executions started on one day (UTC) and what their steps cost.',
  fields: (t) => ({
    date: t.string({ description: 'The day, YYYY-MM-DD (UTC).', resolve: (d) => d.day.toISOString().slice(0, 10) }),
    runs: t.exposeInt('runs', { description: 'Executions started that day.' }),
    costUsd: t.exposeFloat('costUsd', { description: "Their steps' cost so far, in US dollars." }),
    tokensIn: t.exposeInt('tokensIn'),
    tokensOut: t.exposeInt('tokensOut'),
  }),
});

builder.queryField('dailyCosts', (t) =>
  t.field({
    type: [DayCostRef],
    description: "The caller's workspace, one entry per day (UTC), oldest first, for the last `days` days (1–366) up to today: runs started and their cost; days without runs are there with zeros.",
    args: { days: t.arg.int({ defaultValue: 30 }) },
    resolve: (_root, { days }, ctx) => dailyCosts(ctx.db, ctx.tenant.id, sizeOf('dailyCosts(days:)', days, 30, 366), new Date()),
  }),
);
