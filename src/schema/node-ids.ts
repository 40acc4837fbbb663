import { GraphQLError } from 'graphql';

/** The GraphQL type of each id prefix (see store/ids.ts): `node(id:)` finds any of them. */
const TYPES: Record<string, string> = { wf: 'Workflow', exec: 'Execution', agent: 'Agent', rcp: 'Recipe', tools: 'ToolServer', whk: 'WebhookTrigger', sch: 'Schedule', whe: 'WebhookEndpoint' };

/** The type an id names, or a 400 that says what a Baton id looks like. */
export function nodeTypeOf(id: string): string {
  const type = TYPES[id.split('_')[0]];
  if (!type) {
    const kinds = Object.entries(TYPES).map(([prefix, name]) => `${prefix}_… (${name})`);
    const expected = `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
    throw new GraphQLError(`"${id.slice(0, 100)}" is not a node id: ids look like ${expected}`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  }
  return type;
}

/** Another tenant's id, or one that no longer exists, is simply no node (Prisma's P2025 is "not found"). */
export async function missingAsNull(node: unknown): Promise<unknown> {
  try {
    return await node;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2025') return null;
    throw error;
  }
}
