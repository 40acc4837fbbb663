import { builder } from '../builder.ts';
import { KEY_ROLES, type KeyRole } from '../tenancy/auth.ts';

const KeyRoleEnum = builder.enumType('KeyRole', {
  description: '`ADMIN`: the operator\'s key, which also reviews the marketplace of every tenant. `MEMBER`: everything else.',
  values: Object.fromEntries(KEY_ROLES.map((role) => [role.toUpperCase(), { value: role }])) as Record<string, { value: KeyRole }>,
});

builder.prismaObject('Tenant', {
  description: 'An isolated account: everything it owns is invisible to other tenants.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const Viewer = builder.objectRef<{ tenantId: string; role: KeyRole }>('Viewer').implement({
  description: 'The caller, as identified by its API key and x-tenant-id.',
  fields: (t) => ({
    role: t.field({ type: KeyRoleEnum, description: "The role of the caller's API key.", resolve: (viewer) => viewer.role }),
    tenant: t.prismaField({
      type: 'Tenant',
      resolve: (query, viewer, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: viewer.tenantId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    resolve: (_root, _args, ctx) => ({ tenantId: ctx.tenant.id, role: ctx.tenant.role }),
  }),
);
