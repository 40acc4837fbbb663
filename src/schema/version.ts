import { builder } from '../builder.ts';
import { requestRefinement } from '../engine/refine.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Plan } from '../compiler/plan.ts';
import { reload } from './execution.ts';
import { OutputType } from './plan.ts';
import { renderOutput } from '../sharing/render-output.ts';

builder.prismaObject('OutputVersion', {
  description: "A version of an execution's output: 1 is the original, later ones are refinements.",
  fields: (t) => ({
    version: t.exposeInt('version'),
    output: t.exposeString('output'),
    outputType: t.field({ type: OutputType, resolve: (version) => version.outputType as Plan['outputType'] }),
    html: t.string({
      description: 'The output as safe HTML, rendered and sanitized exactly as on the share page (markdown and HTML sanitized, JSON and text escaped).',
      resolve: (version) => renderOutput(version.output, version.outputType),
    }),
    prompt: t.exposeString('prompt', { nullable: true, description: 'The refinement prompt; null for version 1.' }),
    parentVersion: t.exposeInt('parentVersion', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const RefineStatus = builder.enumType('RefineStatus', {
  description: "The latest refinement of an execution's output.",
  values: { REFINING: { value: 'refining' }, COMPLETED: { value: 'completed' }, FAILED: { value: 'failed' } } as const,
});

builder.prismaObjectFields('Execution', (t) => ({
  refineStatus: t.field({
    type: RefineStatus,
    nullable: true,
    description: 'Null until the output is first refined.',
    select: { refineStatus: true },
    resolve: (execution) => execution.refineStatus as 'refining' | 'completed' | 'failed' | null,
  }),
  outputHtml: t.string({
    nullable: true,
    description: "The current output as safe HTML, rendered and sanitized exactly as on the share page; null while there is no output.",
    select: { output: true, outputType: true },
    resolve: (execution) => (execution.output == null ? null : renderOutput(execution.output, execution.outputType)),
  }),
  versions: t.relation('versions', { description: 'Output versions, newest first.', query: { orderBy: { version: 'desc' } } }),
  outputVersion: t.prismaField({
    type: 'OutputVersion',
    nullable: true,
    description: 'One output version by number; null when there is none.',
    args: { number: t.arg.int({ required: true }) },
    resolve: (query, execution, { number }, ctx) => ctx.db.outputVersion.findUnique({ ...query, where: { executionId_version: { executionId: execution.id, version: number } } }),
  }),
}));

builder.mutationField('refineExecution', (t) =>
  t.prismaField({
    type: 'Execution',
    description:
      'Refines a completed execution’s output with a follow-up prompt, in the background: refineStatus is REFINING until the new version is written (COMPLETED) or the model call fails (FAILED).',
    errors: { types: [NotFoundError, ConflictError, ValidationError] },
    args: { id: t.arg.id({ required: true }), prompt: t.arg.string({ required: true }) },
    resolve: async (query, _root, { id, prompt }, ctx) => reload(ctx, query, await requestRefinement(ctx, ctx.tenant.id, String(id), prompt)),
  }),
);
