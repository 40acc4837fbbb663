import type { OutputFormat, Plan, PlanAgent, PlanStep } from '../compiler/plan.ts';
import { OFFLINE_MODEL } from '../compiler/models.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { newId } from '../store/ids.ts';
import { lockOwn } from './decisions.ts';
import { WorkerStopping } from './in-flight.ts';
import type { StepDeps } from './step-deps.ts';
import { appendEvent, enqueue, lockExecution, QUEUES, transaction, type EngineDeps } from './transaction.ts';

export interface RefineJob {
  executionId: string;
  prompt: string;
  /** The version being refined: the job does nothing once the execution has moved past it. */
  fromVersion: number;
}

const MAX_PROMPT = 20_000;

/**
 * Asks for a new output version: the execution must be completed and not already refining. The
 * model call runs in a `refine` job; this returns (the execution id) at once, `refineStatus: refining`.
 */
export async function requestRefinement(deps: EngineDeps, tenantId: string, executionId: string, prompt: string): Promise<string> {
  return transaction(deps, async (sql, changes) => {
    const execution = await lockOwn(sql, tenantId, executionId);
    if (!prompt.trim()) throw new ValidationError('Prompt required', 'Field `prompt` must say how to change the output');
    if (prompt.length > MAX_PROMPT) throw new ValidationError('Prompt too long', `Field \`prompt\` has ${prompt.length} characters; at most ${MAX_PROMPT} are allowed`);
    if (execution.status !== 'completed') {
      throw new ConflictError('Execution not completed', `Execution ${executionId} is ${execution.status}; only a completed execution's output can be refined`);
    }
    if (execution.refineStatus === 'refining') {
      throw new ConflictError('Refinement in progress', `Execution ${executionId} is already being refined; wait until refine_status is completed or failed`);
    }
    await sql.query(`UPDATE executions SET refine_status = 'refining', updated_at = now() WHERE id = $1`, [executionId]);
    appendEvent(changes, executionId, 'refine.started', { prompt, fromVersion: execution.version });
    const job: RefineJob = { executionId, prompt, fromVersion: execution.version };
    enqueue(deps, sql, changes, QUEUES.refine, job, `${executionId}:refine:${execution.version}`);
    return executionId;
  });
}

/** The step whose agent refines: the first step the output reads from, else the last step with an agent. */
function refiner(plan: Plan): { step: PlanStep; agent: PlanAgent } | undefined {
  const named = [...plan.output.matchAll(/steps\.([a-z0-9_-]+)/gi)].map((match) => match[1]);
  const withAgent = plan.steps.filter((step) => step.agent);
  const step = withAgent.find((s) => named.includes(s.id)) ?? withAgent.at(-1);
  const agent = step && plan.agents.find((a) => a.id === step.agent);
  return step && agent ? { step, agent } : undefined;
}

const formats: Record<Plan['outputType'], { name: string; format: OutputFormat }> = {
  markdown: { name: 'markdown', format: 'markdown' },
  text: { name: 'plain text', format: 'text' },
  json: { name: 'JSON', format: 'json' },
  html: { name: 'HTML', format: 'text' },
};

export function refinementPrompt(output: string, version: number, outputType: Plan['outputType'], request: string): string {
  return [
    `Revise the output below as follows: ${request}`,
    `Answer with the complete revised output only, as ${formats[outputType].name}.`,
    `The current output (version ${version}):\n<output>\n${output}\n</output>`,
  ].join('\n\n');
}

/** The `refine` job: the model gets the current output and the prompt; its answer becomes the next version. */
export async function runRefinement(deps: StepDeps, job: RefineJob): Promise<void> {
  const execution = await deps.db.execution.findUnique({ where: { id: job.executionId } });
  if (!execution || execution.refineStatus !== 'refining' || execution.version !== job.fromVersion) return;
  const plan = execution.plan as unknown as Plan;
  const found = refiner(plan);
  const modelId = found ? (found.step.modelId ?? found.agent.modelId) : OFFLINE_MODEL;
  const controller = new AbortController();
  const unwatch = deps.inFlight.watch(job.executionId, controller);
  const timeoutMs = found?.step.timeoutMs ?? 300_000;
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  let text: string | undefined;
  let failure: string | undefined;
  try {
    const result = await deps.agentFor(modelId)({
      tenantId: execution.tenantId,
      modelId,
      system: found?.agent.systemPrompt ?? '',
      prompt: refinementPrompt(execution.output ?? '', execution.version, plan.outputType, job.prompt),
      maxTokens: found?.agent.maxTokens ?? 4096,
      temperature: found?.agent.temperature ?? null,
      maxTurns: 1,
      tools: [],
      outputFormat: formats[plan.outputType].format,
      outputSchema: null,
      signal: controller.signal,
      onText: (delta) =>
        void deps.pubsub.publish('executionEvent', job.executionId, {
          executionId: job.executionId,
          seq: null,
          type: 'refine.token',
          payload: { text: delta },
          at: new Date().toISOString(),
        }),
    });
    text = result.text;
  } catch (error) {
    failure = controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? controller.signal.reason) : (error as Error).message;
  } finally {
    clearTimeout(timer);
    unwatch();
  }
  // Cut short because this worker is stopping: the job fails, and is retried (here after a restart, or elsewhere).
  if (text === undefined && controller.signal.reason instanceof WorkerStopping) throw controller.signal.reason;
  await transaction(deps, async (sql, changes) => {
    const current = await lockExecution(sql, job.executionId);
    if (!current || current.refineStatus !== 'refining' || current.version !== job.fromVersion) return;
    if (text === undefined) {
      await sql.query(`UPDATE executions SET refine_status = 'failed', updated_at = now() WHERE id = $1`, [current.id]);
      appendEvent(changes, current.id, 'refine.failed', { error: failure, fromVersion: job.fromVersion });
      return;
    }
    const version = current.version + 1;
    await sql.query(
      `INSERT INTO output_versions (id, execution_id, version, output, output_type, prompt, parent_version) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [newId('ver'), current.id, version, text, current.outputType, job.prompt, current.version],
    );
    await sql.query(`UPDATE executions SET output = $2, version = $3, refine_status = 'completed', updated_at = now() WHERE id = $1`, [current.id, text, version]);
    appendEvent(changes, current.id, 'refine.completed', { version, parentVersion: current.version, prompt: job.prompt });
  });
}
