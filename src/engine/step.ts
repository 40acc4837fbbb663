import type { Agent, AgentResult } from '../agents/call.ts';
import type { JsonValue, Plan, PlanStep } from '../compiler/plan.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { advance, applyDecisions, loadStates, type Claim, type StepJob } from './advance.ts';
import { stepPrompt } from './prompt.ts';
import type { InFlight } from './in-flight.ts';
import { estimateCost, type PriceTable } from '../agents/prices.ts';
import { DEAD_AFTER_MS } from '../workers/liveness.ts';
import { appendEvent, enqueue, isLive, lockExecution, QUEUES, stepRow, transaction, type EngineDeps } from './transaction.ts';

export interface StepDeps extends EngineDeps {
  /** The agent runtime for a model id (the offline model, or Claude). */
  agentFor(modelId: string): Agent;
  /** The model calls running in this process, so that stopping an execution aborts them. */
  inFlight: InFlight;
  /** This worker process (see workers/liveness.ts). */
  workerId: string;
  /** For each step's cost estimate. */
  prices: PriceTable;
}

/** Strips a ```json fence the model may wrap its answer in, then parses. */
function parseJson(text: string): { value: JsonValue } | { error: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/i.exec(text);
  try {
    return { value: JSON.parse(fenced ? fenced[1] : text) as JsonValue };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function sum(a: AgentResult, b: AgentResult): AgentResult {
  return {
    text: b.text,
    tokensIn: a.tokensIn + b.tokensIn,
    tokensOut: a.tokensOut + b.tokensOut,
    tokensCacheRead: a.tokensCacheRead + b.tokensCacheRead,
    tokensCacheWrite: a.tokensCacheWrite + b.tokensCacheWrite,
    turns: a.turns + b.turns,
    toolCalls: [...a.toolCalls, ...b.toolCalls],
  };
}

/** Claims the step for this attempt and renders its prompt; undefined when the job is stale or a duplicate. */
async function claim(deps: StepDeps, job: StepJob): Promise<Claim | undefined> {
  return transaction(deps, async (tx, changes) => {
    // Read and render first; take the execution's lock only for the final check and write, so the
    // claims of one execution (the items of a fan-out) wait for each other as little as possible.
    const where = stepRow(job.executionId, job.stepId, job.itemIndex);
    const execution = await tx.execution.findUnique({ where: { id: job.executionId } });
    const row = await tx.stepRun.findUnique({ where });
    if (!execution || !isLive(execution.status)) return undefined;
    if (!row || row.attempt !== job.attempt) return undefined;
    if (row.status === 'running') {
      // A redelivered job (pg-boss expired it): run it again only if the worker running it died.
      const owner = row.workerId ? await tx.worker.findUnique({ where: { id: row.workerId } }) : null;
      if (owner && owner.heartbeatAt.getTime() > Date.now() - DEAD_AFTER_MS) return undefined;
    } else if (row.status !== 'pending') return undefined;
    const plan = execution.plan as unknown as Plan;
    const step = plan.steps.find((s) => s.id === job.stepId)!;
    const agent = plan.agents.find((a) => a.id === step.agent)!;
    const prompt = stepPrompt(plan, step, await loadStates(tx, job.executionId), execution.inputs as Record<string, JsonValue>, execution.id, job.itemIndex);
    const locked = await lockExecution(tx, job.executionId);
    if (!locked || !isLive(locked.status)) return undefined;
    const { count } = await tx.stepRun.updateMany({
      where: { ...where.executionId_stepId_itemIndex, attempt: job.attempt, status: row.status },
      data: { status: 'running', prompt, workerId: deps.workerId, startedAt: row.startedAt ?? new Date() },
    });
    // Stopped, revised or claimed by another delivery since the read above.
    if (count === 0) return undefined;
    await appendEvent(tx, changes, job.executionId, 'step.started', { stepId: job.stepId, itemIndex: job.itemIndex, attempt: job.attempt });
    const claimed: Claim = { job, step, agent, prompt, modelId: step.modelId ?? agent.modelId };
    return claimed;
  });
}

/** How many model calls one worker process runs at once through local claims (beyond it, steps are queued). */
const LOCAL_CALLS = 100;

/** How many more steps this worker may claim for itself now. */
export const localSlots = (deps: StepDeps) => Math.max(0, LOCAL_CALLS - deps.inFlight.size);

/**
 * The `step` job: run the agent for one attempt of a step (or For each item), streaming its text
 * to subscribers, then record the result and advance the execution in one transaction.
 */
export async function runStep(deps: StepDeps, job: StepJob): Promise<void> {
  const claimed = await claim(deps, job);
  if (claimed) await runClaims(deps, [claimed]);
}

/** The `advance` job: decide, and run at once what this worker claimed. */
export async function runAdvance(deps: StepDeps, executionId: string): Promise<void> {
  await runClaims(deps, await advance(deps, executionId, deps.workerId, localSlots(deps)));
}

/** Runs claimed steps side by side; recording each may claim more for this worker, which run straight away. */
async function runClaims(deps: StepDeps, claims: Claim[]): Promise<void> {
  await Promise.all(claims.map(async (claimed) => runClaims(deps, await attempt(deps, claimed))));
}

/** One attempt: the model call(s), then the result recorded; returns the next step claimed, if any. */
async function attempt(deps: StepDeps, { job, step, agent, prompt, modelId }: Claim): Promise<Claim[]> {
  const controller = new AbortController();
  const done = deps.inFlight.start(job.executionId, controller);
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${step.timeoutMs} ms`)), step.timeoutMs);
  const call = (text: string) =>
    deps.agentFor(modelId)({
      modelId,
      system: agent.systemPrompt,
      prompt: text,
      maxTokens: agent.maxTokens,
      temperature: agent.temperature,
      maxTurns: step.maxTurns,
      tools: agent.tools,
      outputFormat: step.outputFormat,
      outputSchema: step.outputSchema,
      signal: controller.signal,
      onText: (delta) =>
        void deps.pubsub.publish('executionEvent', job.executionId, {
          executionId: job.executionId,
          seq: null,
          type: 'step.token',
          payload: { stepId: job.stepId, itemIndex: job.itemIndex, text: delta },
          at: new Date().toISOString(),
        }),
    });

  let result: AgentResult | undefined;
  let outputJson: JsonValue = null;
  let failure: string | undefined;
  try {
    result = await call(prompt);
    if (step.outputFormat === 'json') {
      let parsed = parseJson(result.text);
      if ('error' in parsed) {
        // One more try, telling the model what was wrong with its answer.
        result = sum(result, await call(`${prompt}\n\nYour previous answer was not valid JSON (${parsed.error}). Answer again with one JSON value only.`));
        parsed = parseJson(result.text);
      }
      if ('error' in parsed) failure = `the answer is not valid JSON: ${parsed.error}`;
      else outputJson = parsed.value;
    }
  } catch (error) {
    // A timeout or a stop aborts the call: say which, rather than the client's generic "aborted".
    failure = controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? controller.signal.reason) : (error as Error).message;
  } finally {
    clearTimeout(timer);
    done();
  }
  return record(deps, job, step, modelId, result, outputJson, failure);
}

async function record(deps: StepDeps, job: StepJob, step: PlanStep, modelId: string, result: AgentResult | undefined, outputJson: JsonValue, failure: string | undefined): Promise<Claim[]> {
  const item = job.itemIndex >= 0;
  return transaction(deps, async (tx, changes): Promise<Claim[]> => {
    // A step's result decides what runs next. An item of a fan-out only records itself and asks for
    // an advance, so the lock is held briefly and its siblings finish without deciding each time.
    const execution = await lockExecution(tx, job.executionId);
    const where = stepRow(job.executionId, job.stepId, job.itemIndex);
    const row = await tx.stepRun.findUnique({ where });
    // Stopped, failed, or superseded while the model ran: the result no longer counts.
    if (!execution || !isLive(execution.status) || !row || row.status !== 'running' || row.attempt !== job.attempt) return [];
    const usage = result
      ? { modelId, costUsd: { increment: estimateCost(deps.prices, modelId, result) }, tokensIn: { increment: result.tokensIn }, tokensOut: { increment: result.tokensOut }, tokensCacheRead: { increment: result.tokensCacheRead }, tokensCacheWrite: { increment: result.tokensCacheWrite }, turns: { increment: result.turns }, toolCalls: [...(row.toolCalls as JsonValue[]), ...result.toolCalls] as Prisma.InputJsonValue }
      : {};
    const event = { stepId: job.stepId, itemIndex: job.itemIndex, attempt: job.attempt };
    if (failure === undefined) {
      const status = step.approval && job.itemIndex === -1 ? 'awaiting_approval' : 'completed';
      await tx.stepRun.update({ where, data: { ...usage, status, output: result!.text, outputJson: outputJson ?? undefined, error: null, completedAt: status === 'completed' ? new Date() : null } });
      await appendEvent(tx, changes, job.executionId, status === 'completed' ? 'step.completed' : 'step.awaiting_approval', event);
    } else if (job.attempt <= step.retries) {
      const delaySeconds = (step.retryDelayMs / 1000) * 2 ** (job.attempt - 1);
      await tx.stepRun.update({ where, data: { ...usage, status: 'pending', error: failure, attempt: { increment: 1 }, queuedAt: new Date() } });
      await appendEvent(tx, changes, job.executionId, 'step.retrying', { ...event, error: failure, delayMs: delaySeconds * 1000 });
      const next: StepJob = { ...job, attempt: job.attempt + 1 };
      await enqueue(deps, tx, changes, QUEUES.step, next, `${job.executionId}:${job.stepId}:${job.itemIndex}:${next.attempt}`, delaySeconds);
      return [];
    } else {
      await tx.stepRun.update({ where, data: { ...usage, status: 'failed', error: failure, completedAt: new Date() } });
      await appendEvent(tx, changes, job.executionId, 'step.failed', { ...event, error: failure });
    }
    if (!item) return applyDecisions(deps, tx, changes, execution, deps.workerId, localSlots(deps));
    await enqueue(deps, tx, changes, QUEUES.advance, { executionId: job.executionId }, job.executionId);
    return [];
  });
}
