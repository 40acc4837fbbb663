import type { AgentResult } from '../agents/call.ts';
import type { JsonValue, Plan } from '../compiler/plan.ts';
import { advance, loadStates, outOfBudget, updateStep, type Claim, type StepJob } from './advance.ts';
import { claimWorstCase } from './claim-local.ts';
import { budgetRoom, BudgetExhausted, hasBudget, worstCase } from './budget.ts';
import { reserveMore } from './reserve.ts';
import { callRoom, hasCap, waitForRoom } from './limits.ts';
import { key } from './decide.ts';
import { stepPrompt } from './prompt.ts';
import { predictNext, record, type Outcome, type Sent } from './record.ts';
import { earlyAttempt } from './early-start.ts';
import { withSpan } from '../telemetry/tracer.ts';
import { endAttemptSpan, startAttemptSpan } from './attempt-span.ts';
import { WorkerStopping } from './in-flight.ts';
import { DEAD_AFTER_MS, localWorker, type StepDeps } from './step-deps.ts';
import { appendEvent, isLive, lockExecution, transactionSent } from './transaction.ts';

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
    model: b.model ?? a.model,
    tokensIn: a.tokensIn + b.tokensIn,
    tokensOut: a.tokensOut + b.tokensOut,
    tokensCacheRead: a.tokensCacheRead + b.tokensCacheRead,
    tokensCacheWrite: a.tokensCacheWrite + b.tokensCacheWrite,
    turns: a.turns + b.turns,
    toolCalls: [...a.toolCalls, ...b.toolCalls],
  };
}

/**
 * Claims the step for this attempt and renders its prompt (none when the job is stale or a
 * duplicate); answers once COMMIT is sent, like `record`.
 */
function claim(deps: StepDeps, job: StepJob) {
  return transactionSent(deps, async (sql, changes): Promise<Claim[]> => {
    // Pipelined: the states are read once the lock is held.
    const [execution, states] = await Promise.all([lockExecution(sql, job.executionId), loadStates(sql, job.executionId)]);
    if (!execution || !isLive(execution.status)) return [];
    const row = states.get(key(job.stepId, job.itemIndex));
    if (!row || row.attempt !== job.attempt) return [];
    if (row.status === 'running') {
      // A redelivered job (pg-boss expired it): run it again only if the worker running it died.
      const [alive] = await sql.query(
        `SELECT 1 FROM step_runs s JOIN workers w ON w.id = s.worker_id
         WHERE s.execution_id = $1 AND s.step_id = $2 AND s.item_index = $3 AND w.heartbeat_at > now() - $4 * interval '1 millisecond'`,
        [job.executionId, job.stepId, job.itemIndex, DEAD_AFTER_MS],
      );
      if (alive) return [];
    } else if (row.status !== 'pending') return [];
    const plan = execution.plan as Plan;
    const step = plan.steps.find((s) => s.id === job.stepId)!;
    const agent = plan.agents.find((a) => a.id === step.agent)!;
    const prompt = stepPrompt(plan, step, states, execution.inputs as Record<string, JsonValue>, execution.id, job.itemIndex);
    const modelId = step.modelId ?? agent.modelId;
    // Within its budgets and its limits of running calls, or not started: the step is ready again (no
    // longer queued) when an attempt running beside it settles, or one of its tenant's calls ends; with
    // no attempt running and no budget left, the execution has run out of budget.
    const reserved = hasBudget(execution) ? claimWorstCase(deps.prices, { agent, prompt, modelId }) : { tokens: 0, usd: 0 };
    const limit = hasBudget(execution) ? (await budgetRoom(sql, execution))!.take(reserved) : undefined;
    const full = !limit && hasCap(execution) && (await callRoom(sql, execution)) < 1;
    if (limit || full) {
      updateStep(sql, changes, job.executionId, job.stepId, job.itemIndex, { queued_at: null });
      row.queued = false;
      if (limit) outOfBudget(sql, changes, execution, states, limit);
      else waitForRoom(sql, changes, execution);
      return [];
    }
    const now = new Date();
    changes.write(
      sql.query(
        `UPDATE step_runs SET status = 'running', prompt = $4, worker_id = $5, started_at = COALESCE(started_at, $6), reserved_tokens = $7, reserved_usd = $8
         WHERE execution_id = $1 AND step_id = $2 AND item_index = $3`,
        [job.executionId, job.stepId, job.itemIndex, prompt, deps.workerId, now, reserved.tokens, reserved.usd],
      ),
    );
    appendEvent(changes, job.executionId, 'step.started', { stepId: job.stepId, itemIndex: job.itemIndex, attempt: job.attempt });
    return [{ job, tenantId: execution.tenantId, step, agent, prompt, modelId, budgeted: hasBudget(execution) }];
  });
}

/**
 * The `step` job: claim one attempt of a step (or For each item). The job ends once the claim has
 * committed; the attempt runs on in this worker (see `startClaimed`).
 */
export async function runStep(deps: StepDeps, job: StepJob): Promise<void> {
  await startClaimed(deps, await claim(deps, job));
}

/** The `advance` job: decide, and start what this worker claimed. */
export async function runAdvance(deps: StepDeps, executionId: string): Promise<void> {
  await startClaimed(deps, await advance(deps, executionId, localWorker(deps)));
}

/**
 * Starts the attempts a job's transaction claimed, and resolves once it has committed (rejects if it
 * did not). The attempts, and what their records claim next, run on without holding the job: a job
 * is done when its change is durable, so a worker's job slots never wait on models. Should one of
 * their records fail to commit, the steps it held are given back.
 */
export async function startClaimed(deps: StepDeps, { result: claims, committed }: Sent): Promise<void> {
  if (claims.length > 0) runInBackground(deps, claims, committed);
  await committed;
}

/** Runs claimed steps, kept in `inFlight` until they (and what they claim next) have ended. */
function runInBackground(deps: StepDeps, claims: Claim[], claimed: Promise<void>): void {
  deps.inFlight.run(
    runClaims(deps, claims, claimed).catch((error: Error) => {
      console.error('recording a step failed:', error.message);
      deps.giveBack();
    }),
  );
}

/** Runs claimed steps side by side (see `attempt`); rejects if the record of one of them, or of a step claimed after, fails to commit. */
async function runClaims(deps: StepDeps, claims: Claim[], claimed: Promise<void>): Promise<void> {
  await Promise.all(claims.map((claim) => attempt(deps, claim, claimed)));
}

/**
 * One attempt: the model call(s), then the result recorded. It is registered in `inFlight` from
 * before its claim commits until its record is sent. Its text is streamed only once its claim has
 * committed (after the claim's step.started event); should the claim fail to commit, the call is
 * aborted and nothing is recorded.
 */
async function attempt(deps: StepDeps, claim: Claim, claimed: Promise<void>): Promise<void> {
  const controller = new AbortController();
  const done = deps.inFlight.start(claim.job, controller);
  const span = startAttemptSpan(claim);
  const started = performance.now();
  let ended: { outcome: 'completed' | 'failed' | 'interrupted'; failure?: string } = { outcome: 'interrupted' };
  let next: Sent;
  try {
    const outcome = await withSpan(span, () => callModel(deps, claim, claimed, controller));
    // Not claimed: whoever awaits that transaction's commit reports its error. Cut short because
    // this worker is stopping: the step stays running, and another worker takes it over.
    if (!(await claimed.then(() => true, () => false)) || (outcome.failure !== undefined && controller.signal.reason instanceof WorkerStopping)) return;
    // The steps the record is expected to claim start now, not after its round trip (engine/early-start.ts).
    const early = outcome.failure === undefined ? predictNext(deps, claim, outcome).map(earlyAttempt) : [];
    for (const each of early) runInBackground(deps, [each.claim], each.claimed);
    next = await record(deps, claim, outcome, early);
    const result = outcome.failure === undefined ? 'completed' : 'failed';
    deps.metrics?.stepAttempted(result, (performance.now() - started) / 1000);
    ended = { outcome: result, failure: outcome.failure };
  } finally {
    done();
    endAttemptSpan(span, ended.outcome, ended.failure);
  }
  await Promise.all([next.committed, runClaims(deps, next.result, next.committed)]);
}

async function callModel(deps: StepDeps, claim: Claim, claimed: Promise<void>, controller: AbortController): Promise<Outcome> {
  const { job, tenantId, step, agent, prompt, modelId } = claim;
  // After its claim has committed: until then its row does not run this attempt (engine/early-start.ts).
  const reserve = claim.budgeted
    ? async (input: string, maxTokens: number) => {
        await claimed;
        await reserveMore(deps, claim, worstCase(deps.prices, modelId, input, maxTokens));
      }
    : undefined;
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${step.timeoutMs} ms`)), step.timeoutMs);
  const publishText = (text: string) =>
    void deps.pubsub.publish('executionEvent', job.executionId, {
      executionId: job.executionId,
      seq: null,
      type: 'step.token',
      payload: { stepId: job.stepId, itemIndex: job.itemIndex, text },
      at: new Date().toISOString(),
    });
  let held: string[] | undefined = [];
  claimed.then(
    () => {
      held?.forEach(publishText);
      held = undefined;
    },
    () => controller.abort(new Error('the step was not claimed')),
  );
  const call = (text: string) =>
    deps.agentFor(modelId)({
      tenantId,
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
      onText: (delta) => (held ? held.push(delta) : publishText(delta)),
      reserve,
    });

  let result: AgentResult | undefined;
  try {
    result = await call(prompt);
    if (step.outputFormat !== 'json') return { result, outputJson: null };
    let parsed = parseJson(result.text);
    if ('error' in parsed) {
      // One more try, telling the model what was wrong with its answer.
      const again = `${prompt}\n\nYour previous answer was not valid JSON (${parsed.error}). Answer again with one JSON value only.`;
      await reserve?.(agent.systemPrompt + again, agent.maxTokens);
      result = sum(result, await call(again));
      parsed = parseJson(result.text);
    }
    return 'error' in parsed ? { result, outputJson: null, failure: `the answer is not valid JSON: ${parsed.error}` } : { result, outputJson: parsed.value };
  } catch (error) {
    if (error instanceof BudgetExhausted) return { result, outputJson: null, failure: error.message, outOfBudget: true };
    // A timeout or a stop aborts the call: say which, rather than the client's generic "aborted".
    return { result, outputJson: null, failure: controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? controller.signal.reason) : (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
