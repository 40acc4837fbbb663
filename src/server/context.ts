import type { ModelRegistry } from '../compiler/models.ts';
import type { Boss } from '../store/boss.ts';
import type pg from 'pg';
import type { Db } from '../store/db.ts';
import type { PubSub } from '../store/pubsub.ts';
import type { Tenant } from '../tenancy/auth.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { Agent } from '../agents/call.ts';
import type { McpTools } from '../agents/mcp-tools.ts';
import type { PriceTable } from '../agents/prices.ts';
import type { ToolServerPolicy } from '../library/tool-servers.ts';
import type { WebhookPolicy } from '../library/webhook-endpoints.ts';

/** What every resolver sees. One shape for HTTP and WebSocket operations. */
export interface Context {
  db: Db;
  /** The engine's transactions run plain SQL on this pool. */
  pool: pg.Pool;
  pubsub: PubSub;
  /** The job queue, for starting executions. */
  boss: Boss;
  requestId: string;
  /** Model aliases → ids, for compiling workflows. */
  models: ModelRegistry;
  /** Base of the links Baton hands out (share links). */
  publicUrl: string;
  /** Agents' tools: the tenants' tool servers (MCP) and in-process tools. */
  tools: McpTools;
  /** Whether steps run on Claude (an Anthropic key is set): then their agents' tool servers must exist at start. */
  modelsCallTools: boolean;
  /** How tool servers' secrets are sealed, and whether stdio servers are allowed. */
  toolServerPolicy: ToolServerPolicy;
  /** How webhook endpoints' secrets are sealed, and whether they may be private addresses. */
  webhookPolicy: WebhookPolicy;
  /** The model runtime for a model id, and the prices its usage is costed at (the judge of assessments calls models too). */
  agentFor(modelId: string): Agent;
  prices: PriceTable;
  /** The caller's tenant. */
  tenant: Tenant;
}

/**
 * Anonymous requests may only introspect the schema (the context factory refuses anything else), so
 * no resolver should ever read this tenant; if one does, it fails with 401 instead of running unscoped.
 */
const anonymous = new Proxy({} as Tenant, {
  get() {
    throw new UnauthenticatedError('Send an API key and your x-tenant-id header');
  },
});

export function createContext(base: Omit<Context, 'tenant'>, tenant: Tenant | null): Context {
  return { ...base, tenant: tenant ?? anonymous };
}
