import { builder } from '../builder.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Plan } from '../compiler/plan.ts';
import { validateInputs } from '../engine/inputs.ts';
import { createWorkflowSchedule, deleteSchedule, scheduleProblems, updateSchedule, type ScheduleFields } from '../library/schedules.ts';
import { findWorkflow } from '../library/workflows.ts';
import type { Context } from '../server/context.ts';
import { nextFires } from '../triggers/cron.ts';
import { armSchedule, disarmSchedule } from '../triggers/schedules.ts';

builder.prismaNode('Schedule', {
  description: "A cron schedule: pg-boss's scheduler starts the workflow (or recipe, from its `schedule_config`) at each fire, with `triggeredBy: \"cron\"`. After `maxFailures` failed scheduled runs in a row it pauses itself and says why; a successful manual run or an update resumes it.",
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, tenantId: ctx.tenant.id }),
  fields: (t) => ({
    workflowId: t.exposeID('workflowId', { nullable: true, description: "The markdown workflow it starts; null for a recipe's." }),
    recipeId: t.exposeID('recipeId', { nullable: true, description: 'The recipe it starts (kept in step with its `schedule_config`).' }),
    cron: t.exposeString('cron', { description: 'Five fields: minute hour day-of-month month day-of-week.' }),
    timezone: t.exposeString('timezone', { description: 'The IANA time zone the expression is read in.' }),
    inputs: t.expose('inputs', { type: 'JSON' }),
    enabled: t.exposeBoolean('enabled'),
    maxFailures: t.exposeInt('maxFailures', { description: 'Failed scheduled runs in a row after which it pauses itself.' }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true, description: 'When it paused itself; null while it fires.' }),
    pausedReason: t.exposeString('pausedReason', { nullable: true }),
    nextFireTimes: t.field({
      type: ['DateTime'],
      description: 'The next five fire times (empty while disabled).',
      resolve: (schedule) => (schedule.enabled ? nextFires(schedule.cron, schedule.timezone, 5) : []),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ScheduleInput = builder.inputType('ScheduleInput', {
  fields: (t) => ({
    workflowId: t.id({ required: true }),
    cron: t.string({ required: true, description: 'e.g. "0 9 * * 1-5": 09:00 on weekdays.' }),
    timezone: t.string({ description: 'IANA name; UTC by default.' }),
    inputs: t.field({ type: 'JSON', description: "The workflow's inputs for every run." }),
    enabled: t.boolean(),
    maxFailures: t.int({ description: 'Default 5.' }),
  }),
});

const SchedulePatch = builder.inputType('SchedulePatch', {
  description: 'The fields to change; any update also lifts a pause.',
  fields: (t) => ({
    cron: t.string(),
    timezone: t.string(),
    inputs: t.field({ type: 'JSON' }),
    enabled: t.boolean(),
    maxFailures: t.int(),
  }),
});

/** Every problem of a workflow schedule at once: its fields', and its inputs' against the workflow's plan as it is now. */
async function checkInputs(ctx: Context, workflowId: string, fields: Partial<ScheduleFields>): Promise<void> {
  const workflow = await findWorkflow(ctx.db, ctx.tenant.id, workflowId);
  const problems = scheduleProblems(fields);
  const checked = fields.inputs === undefined || scheduleProblems({ inputs: fields.inputs }).length ? undefined : validateInputs((workflow.plan as unknown as Plan).inputs, fields.inputs);
  if (checked && 'problems' in checked) problems.push(...checked.problems.map((problem) => `inputs: ${problem}`));
  if (problems.length) throw new ValidationError('Invalid schedule', problems.join('; '));
}

const given = <T extends Record<string, unknown>>(input: T) => Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) as Partial<ScheduleFields>;

builder.queryFields((t) => ({
  schedules: t.prismaField({
    type: ['Schedule'],
    description: "The tenant's schedules (of one workflow with `workflowId`, of one recipe with `recipeId`), oldest first.",
    args: { workflowId: t.arg.id(), recipeId: t.arg.id() },
    resolve: (query, _root, { workflowId, recipeId }, ctx) =>
      ctx.db.schedule.findMany({
        ...query,
        where: { tenantId: ctx.tenant.id, ...(workflowId ? { workflowId: String(workflowId) } : {}), ...(recipeId ? { recipeId: String(recipeId) } : {}) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: 500,
      }),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.prismaField({
    type: 'Schedule',
    description: 'Schedules a workflow. The cron expression and time zone are checked now, each problem naming its field. (Recipes are scheduled by their `schedule_config`.)',
    errors: { types: [NotFoundError, ValidationError] },
    args: { input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const { workflowId, ...fields } = input;
      await checkInputs(ctx, String(workflowId), { inputs: {}, ...given(fields), cron: input.cron });
      const schedule = await createWorkflowSchedule(ctx.db, ctx.tenant.id, String(workflowId), { ...given(fields), cron: input.cron });
      await armSchedule(ctx.boss, schedule);
      return schedule;
    },
  }),
  updateSchedule: t.prismaField({
    type: 'Schedule',
    description: 'Changes the given fields and resumes a paused schedule. A recipe\'s schedule follows its `schedule_config` for cron and time zone.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), patch: t.arg({ type: SchedulePatch, required: true }) },
    resolve: async (_query, _root, { id, patch }, ctx) => {
      const current = await ctx.db.schedule.findFirst({ where: { id: String(id), tenantId: ctx.tenant.id } });
      if (current?.workflowId && patch.inputs !== undefined && patch.inputs !== null) await checkInputs(ctx, current.workflowId, given(patch));
      const schedule = await updateSchedule(ctx.db, ctx.tenant.id, String(id), given(patch));
      await armSchedule(ctx.boss, schedule);
      return schedule;
    },
  }),
  deleteSchedule: t.prismaField({
    type: 'Schedule',
    description: "Deletes a workflow's schedule (nothing fires from it any more) and returns it as it was; a recipe's goes with its `schedule_config`.",
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_query, _root, { id }, ctx) => {
      const schedule = await deleteSchedule(ctx.db, ctx.tenant.id, String(id));
      await disarmSchedule(ctx.boss, schedule.id);
      return schedule;
    },
  }),
}));
