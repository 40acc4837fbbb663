import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import type PrismaTypes from './generated/pothos-types.ts';
import { getDatamodel } from './generated/pothos-types.ts';
import type { Context } from './server/context.ts';
import { DEFAULT_PAGE_SIZE, fieldCost, MAX_PAGE_SIZE } from './schema/field-cost.ts';
import { missingAsNull, nodeTypeOf } from './schema/node-ids.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  // Expected failures are listed per field; anything else stays a (masked) GraphQL error.
  errors: {
    defaultTypes: [],
    directResult: true,
    // `RunWorkflowResult = Execution | NotFoundError | ValidationError`, named for its field.
    defaultUnionOptions: { name: ({ fieldName }) => `${fieldName[0].toUpperCase()}${fieldName.slice(1)}Result` },
  },
  // Costs are checked while validating, before authentication (src/server/graphql-limits.ts), not
  // by the plugin's own check as root fields resolve; so no limit is set here.
  complexity: { fieldComplexity: fieldCost },
  relay: {
    clientMutationId: 'omit',
    // Baton's ids are already global (`wf_…`, `exec_…`): a node's id is its id, its prefix its type.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: nodeTypeOf(globalID), id: globalID }),
    nodeQueryOptions: { resolve: (_root, { id }, _ctx, _info, resolveNode) => missingAsNull(resolveNode(id)) },
    nodesQueryOptions: { resolve: (_root, { ids }, _ctx, _info, resolveNodes) => ids.map((id) => missingAsNull(resolveNodes([id]).then(([node]) => node))) },
    cursorType: 'String',
    // The connection's `first`/`last` already counts each edge: edges must not multiply again.
    edgesFieldOptions: { nullable: false, complexity: { field: 1, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
  },
  prisma: {
    // Each app instance has its own client (tests run several in one process).
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 timestamp in UTC, e.g. 2026-02-27T10:30:00.000Z',
  serialize: (value) => new Date(value).toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`"${String(value)}" is not an ISO-8601 timestamp`);
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
});
