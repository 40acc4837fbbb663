import { builder } from '../builder.ts';

builder.prismaObject('Tenant', {
  description: 'An isolated account: everything it owns is invisible to other tenants.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Viewer = builder.objectRef<{ tenantId: string }>('Viewer').implement({
  description: 'The caller, as identified by its API key and x-tenant-id.',
  fields: (t) => ({
    tenant: t.prismaField({
      type: 'Tenant',
      resolve: (query, viewer, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: viewer.tenantId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    resolve: (_root, _args, ctx) => ({ tenantId: ctx.tenant.id }),
  }),
);
