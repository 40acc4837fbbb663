import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CancelledNotificationSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type CallToolResult,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ModelRegistry } from '../compiler/models.ts';
import { decideApproval, stopExecution } from '../engine/decisions.ts';
import { validateInputs } from '../engine/inputs.ts';
import { startExecution, startRecipeExecution, type StartDeps } from '../engine/start.ts';
import { BatonError, ServiceUnavailableError } from '../errors.ts';
import { isConnectionFailure } from '../store/connection-failure.ts';
import type { Tenant } from '../tenancy/auth.ts';
import { runnables, type Runnable } from './mcp-catalogue.ts';
import { cancelCall, cancellable } from './mcp-cancel.ts';
import { executionResult, loadExecution, runResult } from './mcp-execution.ts';
import { FIXED_ARGS, FIXED_TOOLS, INSTRUCTIONS, runTool, SERVER_INFO } from './mcp-tool-list.ts';
import { waitForExecution } from './mcp-wait.ts';
import { requestIds } from './request-id.ts';
import { unsafeText } from './text-hygiene.ts';

/** The engine, and with `tools` an agent whose tool server is missing fails the start, as in GraphQL. */
export type McpDeps = StartDeps & {
  models: ModelRegistry;
  /** The longest a tool call waits for an execution (BATON_MCP_WAIT_SECONDS). */
  waitSeconds: number;
};

/** Who is calling: every tool is scoped to this tenant. */
export interface McpCaller {
  tenant: Tenant;
  /** The client's MCP session (names its calls for cancellation); absent for clients that send none. */
  sessionId: string | undefined;
  /** Aborted when Baton stops: waiting calls answer with where their execution stands. */
  shutdown: AbortSignal;
}

type Extra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];
type Handler = (args: unknown, extra: Extra) => Promise<CallToolResult>;

/** A JSON-RPC error as sent (the SDK's McpError would repeat "MCP error <code>:" inside the message). */
class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const invalidParams = (message: string) => new ProtocolError(ErrorCode.InvalidParams, message);

/**
 * Handlers see requests through these schemas: a request whose params fail the SDK's own schema is
 * the caller's mistake (-32602), while the SDK would answer it as its own (-32603 Internal error).
 */
const loose = <M extends string>(method: M) => z.looseObject({ method: z.literal(method) });

function checked<T extends z.ZodType>(schema: T, request: unknown): z.output<T> {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw invalidParams(`Invalid params: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`).join('; ').slice(0, 500)}`);
  return parsed.data;
}

/** A tool call that could not do what it was asked: the client's model reads why. */
const refusal = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

const argumentProblems = (problems: string[]) => refusal(`Invalid arguments:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);

/** Sends progress (finished steps of all) when the client asked for it with a progressToken; a lost notification is no failure. */
function progressReporter(extra: Extra, total: number) {
  const token = extra._meta?.progressToken;
  let last = -1;
  return async (progress: number, message: string) => {
    if (token === undefined || progress <= last) return;
    last = progress;
    const notification: ServerNotification = { method: 'notifications/progress', params: { progressToken: token, progress, total, message } };
    await extra.sendNotification(notification).catch(() => {});
  };
}

/**
 * Baton's MCP server for one request of one tenant (stateless Streamable HTTP builds one per POST):
 * a run_* tool per workflow and recipe, and get_execution, approve_step and stop_execution.
 */
export function createMcpServer(deps: McpDeps, caller: McpCaller): Server {
  const tenantId = caller.tenant.id;
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });

  /** Waits for the execution under the call's signal, which the client's cancellation also aborts. */
  const follow = async (id: string, afterSeq: number, seconds: number, extra: Extra, onProgress: (finished: number) => Promise<void>) => {
    const { signal, release } = await cancellable(deps.pubsub, { tenantId, sessionId: caller.sessionId, requestId: extra.requestId }, extra.signal);
    try {
      return await waitForExecution(deps, id, { afterSeq, maxWaitMs: seconds * 1000, signal, shutdown: caller.shutdown, onProgress });
    } finally {
      release();
    }
  };

  const run = async (runnable: Runnable, args: unknown, extra: Extra): Promise<CallToolResult> => {
    const inputs = validateInputs(runnable.inputs, args);
    if ('problems' in inputs) return argumentProblems(inputs.problems);
    const { id } = runnable.kind === 'workflow' ? await startExecution(deps, tenantId, runnable.id, args) : await startRecipeExecution(deps, tenantId, runnable.id, args);
    const report = progressReporter(extra, runnable.steps);
    await report(0, `Started execution ${id}`);
    const end = await follow(id, 0, deps.waitSeconds, extra, (finished) => report(finished, `${finished} of ${runnable.steps} steps done (execution ${id})`));
    if (end === 'aborted') return refusal(`The call was cancelled; execution ${id} goes on.`);
    return runResult((await loadExecution(deps.db, tenantId, id)).view, end, deps.waitSeconds);
  };

  const fixed: Record<keyof typeof FIXED_ARGS, Handler> = {
    get_execution: async (args, extra) => {
      const { execution_id, wait_seconds } = FIXED_ARGS.get_execution.parse(args);
      const { view, lastSeq } = await loadExecution(deps.db, tenantId, execution_id);
      const seconds = Math.min(wait_seconds, deps.waitSeconds);
      if (seconds === 0 || view.status !== 'running') return executionResult(view);
      const report = progressReporter(extra, view.steps_total);
      await follow(execution_id, lastSeq, seconds, extra, (finished) => report(view.steps_completed + finished, `${view.steps_completed + finished} of ${view.steps_total} steps done`));
      return executionResult((await loadExecution(deps.db, tenantId, execution_id)).view);
    },
    approve_step: async (args) => {
      const { execution_id, step_id, approved, reason } = FIXED_ARGS.approve_step.parse(args);
      await decideApproval(deps, tenantId, execution_id, step_id, approved, reason ?? null);
      return executionResult((await loadExecution(deps.db, tenantId, execution_id)).view);
    },
    stop_execution: async (args) => {
      const { execution_id } = FIXED_ARGS.stop_execution.parse(args);
      await stopExecution(deps, tenantId, execution_id);
      return executionResult((await loadExecution(deps.db, tenantId, execution_id)).view);
    },
  };

  server.setRequestHandler(loose('tools/list'), async (request) => {
    checked(ListToolsRequestSchema, request);
    const tools = await runnables(deps.db, tenantId);
    return { tools: [...tools.map(runTool), ...FIXED_TOOLS] };
  });

  server.setRequestHandler(loose('tools/call'), async (request, extra) => {
    const { name, arguments: args = {} } = checked(CallToolRequestSchema, request).params;
    try {
      const unsafe = unsafeText(args, 'arguments');
      if (unsafe) return argumentProblems([unsafe]);
      if (Object.hasOwn(fixed, name)) return await fixed[name as keyof typeof fixed](args, extra);
      const runnable = name.startsWith('run_') ? (await runnables(deps.db, tenantId)).find((candidate) => candidate.name === name) : undefined;
      if (!runnable) throw invalidParams(`Unknown tool: ${JSON.stringify(name.slice(0, 100))}; tools/list names this tenant's tools`);
      return await run(runnable, args, extra);
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof z.ZodError) return argumentProblems(error.issues.map((issue) => `${issue.path.length ? `\`${issue.path.join('.')}\`: ` : ''}${issue.message}`));
      const expected = isConnectionFailure(error) ? new ServiceUnavailableError() : error;
      if (expected instanceof BatonError) return refusal(`${expected.message}: ${expected.detail}`);
      const requestId = requestIds.getStore() ?? 'unknown';
      console.error(`[${requestId}] MCP tool ${name}:`, error);
      throw new ProtocolError(ErrorCode.InternalError, `Unexpected error; quote request id ${requestId}`);
    }
  });

  // Each POST has a server of its own: a cancellation names a call that another one (maybe elsewhere) is running.
  server.setNotificationHandler(CancelledNotificationSchema, async (notification) => {
    const { requestId, reason } = notification.params;
    if (requestId !== undefined) await cancelCall(deps.pubsub, { tenantId, sessionId: caller.sessionId, requestId }, reason ?? null);
  });

  return server;
}
