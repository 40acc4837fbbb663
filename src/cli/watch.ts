import { clearScreenDown, moveCursor } from 'node:readline';
import { createInterface } from 'node:readline/promises';
import type { ExecutionStatus } from '../generated/graphql/graphql.ts';
import type { Api } from './api.ts';
import { CliError } from './errors.ts';
import { fetchExecution, keyOf, stepRows, type ExecutionDetail } from './executions.ts';
import { describeEvent, followEvents, type Event } from './follow.ts';
import { decideStep } from './steer.ts';
import { duration, table } from './table.ts';
import { renderView, type Live } from './watch-view.ts';

const DRAW_EVERY_MS = 50;

/**
 * Follows an execution until it finishes and returns its final status. On a terminal: a view redrawn
 * in place (steps with status, tokens, cost and elapsed time, the running step's text as it streams)
 * that asks for approval at a gate when `interactive`. Elsewhere: one line per event (JSON lines with
 * `json`), then the steps and the output. Ctrl-C detaches; the execution keeps running.
 */
export async function watchExecution(api: Api, id: string, { json, interactive }: { json: boolean; interactive: boolean }): Promise<ExecutionStatus> {
  const out = process.stdout;
  const tty = Boolean(out.isTTY) && !json;
  const startedAt = Date.now();
  let execution = await fetchExecution(api, id);
  const live: Live = { text: new Map(), connection: 'connecting' };
  const questions = new AbortController();
  let drawn = 0;
  let asking = false;
  let failure: unknown;

  const draw = () => {
    if (!tty || asking) return;
    const lines = renderView(execution, live, { width: out.columns || 80, color: true });
    if (drawn > 0) {
      moveCursor(out, 0, -drawn);
      clearScreenDown(out);
    }
    out.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  let drawTimer: NodeJS.Timeout | undefined;
  const scheduleDraw = () => void (drawTimer ??= setTimeout(() => ((drawTimer = undefined), draw()), DRAW_EVERY_MS));
  const ticker = tty ? setInterval(draw, 1000) : undefined;

  const detach = () => {
    questions.abort();
    out.write(`\nDetached: ${id} keeps running. Follow it with: baton logs ${id} --follow\n`);
    process.exit(130);
  };
  process.on('SIGINT', detach);

  // Each time a step stops at its gate (its step.awaiting_approval event; a revised step stops
  // again), it is asked about once, or named once when no one can be asked: after the execution
  // reloaded with that event, so the question follows the event's line and shows what it reviews.
  // `seen` counts stored events; a reload started after an event's arrival is the one that judges it.
  let seen = 0;
  let stopped: { stepId: string; at: number }[] = [];
  let asked = Promise.resolve();
  const atGates = (readAfter: number) => {
    const judged = stopped.filter((gate) => gate.at <= readAfter);
    stopped = stopped.filter((gate) => gate.at > readAfter);
    for (const { stepId } of judged) {
      // Decided already (elsewhere, or the run ended): nothing to ask.
      if (!execution.steps.some((step) => step.stepId === stepId && step.itemIndex === null && step.status === 'AWAITING_APPROVAL')) continue;
      if (interactive) asked = asked.then(() => askAbout(stepId));
      else {
        const hint = `${stepId} awaits approval: baton approve ${id} ${stepId}   or: baton reject ${id} ${stepId} --reason "…"`;
        if (tty) live.note = hint;
        else if (!json) console.log(hint);
      }
    }
  };

  const askAbout = async (stepId: string) => {
    if (questions.signal.aborted) return;
    draw();
    asking = true;
    const prompt = createInterface({ input: process.stdin, output: out });
    prompt.on('SIGINT', detach);
    try {
      for (const shown of underReview(execution, stepId)) out.write(`\n${shown.stepId} wrote:\n${shown.output}\n`);
      out.write('\n');
      const answer = (await prompt.question(`Approve "${stepId}"? [y]es / [n]o: `, { signal: questions.signal })).trim().toLowerCase();
      if (answer.startsWith('y') || answer.startsWith('n')) {
        const reason = answer.startsWith('n') ? (await prompt.question('Why? (the step is revised with it): ', { signal: questions.signal })).trim() || 'rejected from the CLI' : undefined;
        await decideStep(api, id, stepId, reason === undefined, reason);
        live.note = `${reason === undefined ? 'approved' : 'rejected'} ${stepId}`;
      } else live.note = `${stepId} still awaits approval: baton approve ${id} ${stepId}`;
    } catch (error) {
      // Decided elsewhere meanwhile, or the run ended while the question was open.
      if (error instanceof CliError) live.note = error.message;
      else if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      prompt.close();
      asking = false;
      // The question scrolled the view: the next one is drawn below it.
      drawn = 0;
      draw();
    }
  };

  // Stored events reload the execution; changes arriving during a reload cause one more.
  let reloading: Promise<void> | undefined;
  let again = false;
  const reload = () => {
    if (reloading) return void (again = true);
    reloading = (async () => {
      do {
        again = false;
        const readAfter = seen;
        execution = await fetchExecution(api, id);
        atGates(readAfter);
        scheduleDraw();
      } while (again);
    })()
      .catch((error: unknown) => void (failure ??= error))
      .finally(() => (reloading = undefined));
  };

  const onEvent = (event: Event) => {
    if (live.connection !== 'live') {
      live.connection = 'live';
      live.note = undefined;
      scheduleDraw();
    }
    const key = typeof event.payload.stepId === 'string' ? keyOf(event.payload.stepId, event.payload.itemIndex as number | null) : undefined;
    if (event.seq === null) {
      if (event.kind !== 'STEP_TOKEN' || !key) return;
      live.text.set(key, (live.text.get(key) ?? '') + String(event.payload.text ?? ''));
      live.streaming = key;
      return scheduleDraw();
    }
    if (event.kind === 'STEP_STARTED' && key) live.text.delete(key);
    seen++;
    if (event.kind === 'STEP_AWAITING_APPROVAL' && typeof event.payload.stepId === 'string') stopped.push({ stepId: event.payload.stepId, at: seen });
    if (json) console.log(JSON.stringify(event));
    else if (!tty) console.log(`+${duration(Date.now() - startedAt).padEnd(7)} ${describeEvent(event)}`);
    reload();
  };

  try {
    draw();
    await followEvents(api, id, 0, onEvent, (reason) => {
      live.connection = 'reconnecting';
      live.note = reason;
      scheduleDraw();
    });
    while (reloading) await reloading;
    if (failure) throw failure;
    execution = await fetchExecution(api, id);
  } finally {
    questions.abort();
    await asked;
    clearInterval(ticker);
    clearTimeout(drawTimer);
    process.off('SIGINT', detach);
  }
  live.note = undefined;
  live.connection = undefined;
  draw();
  report(execution, { tty, json });
  return execution.status;
}

/** What a person approves: the gate step's own output, or (a gate without an agent) what its dependencies wrote. */
function underReview(execution: ExecutionDetail, stepId: string) {
  const written = (id: string) => execution.steps.filter((step) => step.stepId === id && step.itemIndex === null && step.output);
  const own = written(stepId);
  if (own.length > 0) return own;
  return (execution.plan.steps.find((step) => step.id === stepId)?.dependsOn ?? []).flatMap(written);
}

function report(execution: ExecutionDetail, { tty, json }: { tty: boolean; json: boolean }) {
  if (json) return void console.log(JSON.stringify(execution));
  if (!tty) console.log(`\n${execution.workflowName}  ${execution.id}: ${execution.status.toLowerCase()}${execution.error ? ` — ${execution.error}` : ''}\n${table(stepRows(execution))}`);
  if (execution.output !== null && execution.output !== undefined) console.log(`\nOutput:\n${execution.output}`);
}
