import { z } from 'zod';
import { queryInteger } from '../input.ts';

// Tool servers (issue #15): the MCP servers agents' `tools` name. Not in the product document; shaped
// like its other resources. Secrets (headers, env) are write-only: only their names come back.

const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
const TRANSPORTS = ['http', 'stdio'] as const;
const secrets = (what: string) => z.record(z.string(), z.string()).nullish().describe(`${what}; stored encrypted and never returned (null clears them)`);

export const ToolServer = z.object({
  id: z.string().describe('tools_…'),
  alias: z.string().describe("How agents name it; its tools reach the model as `<alias>__<tool>`"),
  transport: z.enum(TRANSPORTS).describe('http: Streamable HTTP at url; stdio: command run on the worker host (BATON_ALLOW_STDIO_TOOLS=1)'),
  url: z.string().nullable(),
  command: z.string().nullable(),
  args: z.array(z.string()),
  header_names: z.array(z.string()).describe('The names of the headers sent; their values are secret'),
  env_names: z.array(z.string()).describe("The names of the command's environment variables; their values are secret"),
  enabled: z.boolean().describe('A disabled server offers no tools'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const ToolServerList = z.object({ items: z.array(ToolServer), total: z.number().int(), skip: z.number().int(), limit: z.number().int() });

export const ToolServerBody = z.strictObject({
  alias: z.string(),
  transport: z.enum(TRANSPORTS),
  url: z.string().nullish(),
  headers: secrets('HTTP headers sent with every request, e.g. {"Authorization": "Bearer …"}'),
  command: z.string().nullish(),
  args: z.array(z.string()).nullish(),
  env: secrets("The command's environment variables"),
  enabled: z.boolean().nullish(),
});

export const ToolServerPatchBody = ToolServerBody.partial();

export const ToolServerListQuery = z.object({
  skip: queryInteger(0, 1_000_000).optional().describe('How many to skip (default 0)'),
  limit: queryInteger(1, 100).optional().describe('How many to return (default 50)'),
});

export const ToolServerCheck = z.object({
  ok: z.boolean(),
  tools: z.array(z.object({ name: z.string().describe('<alias>__<tool>'), description: z.string(), input_schema: z.unknown() })),
  error: z.string().nullable().describe('Why it could not be reached or listed'),
  duration_ms: z.number().int(),
});
