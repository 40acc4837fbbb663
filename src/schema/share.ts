import { builder } from '../builder.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { createShareLink, revokeShareLink, shareUrl } from '../sharing/share-links.ts';
import { reload } from './execution.ts';

builder.prismaObjectFields('Execution', (t) => ({
  shareUrl: t.string({
    nullable: true,
    description: 'The public link to the output, while one exists.',
    select: { shareLink: { select: { slug: true } } },
    resolve: (execution, _args, ctx) => (execution.shareLink ? shareUrl(ctx.publicUrl, execution.shareLink.slug) : null),
  }),
}));

builder.mutationFields((t) => ({
  shareExecution: t.prismaField({
    type: 'Execution',
    description: "Creates a public link to a completed execution's output (`shareUrl`); calling again returns the same link.",
    errors: { types: [NotFoundError, ConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => reload(ctx, query, await createShareLink(ctx.db, ctx.tenant.id, String(id))),
  }),
  revokeShare: t.prismaField({
    type: 'Execution',
    description: 'Deletes the execution’s share link: its address answers 404 from then on.',
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => reload(ctx, query, await revokeShareLink(ctx.db, ctx.tenant.id, String(id))),
  }),
}));
