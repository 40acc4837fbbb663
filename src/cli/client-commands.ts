import { UsageError } from './errors.ts';
import { numberOption, type Values } from './options.ts';

// Each command imports what it needs when it runs.

const count = (name: string, given: string | undefined, fallback: number) => {
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} takes a whole number, not "${given}"`);
  return value;
};

const needs = (value: string | undefined, what: string): string => {
  if (!value) throw new UsageError(`needs ${what}`);
  return value;
};

/** The commands that talk to a running server through its API. */
export async function runClientCommand(command: string, [first, second]: string[], values: Values): Promise<number> {
  const [{ Api }, { connectionFrom }] = await Promise.all([import('./api.ts'), import('./connection.ts')]);
  const api = new Api(() => connectionFrom(values));
  const json = Boolean(values.json);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !json;
  try {
    switch (command) {
      case 'run':
        return await (await import('./run.ts')).runWorkflow(api, needs(first, 'a markdown file or a workflow id: baton run <file.md | workflow id>'), {
          inputs: values.input ?? [],
          watch: Boolean(values.watch),
          json,
          interactive,
          budget: { tokens: numberOption(values['budget-tokens'], '--budget-tokens'), usd: numberOption(values['budget-usd'], '--budget-usd') },
        });
      case 'watch': {
        const [{ watchExecution }, { EXIT_CODES }] = await Promise.all([import('./watch.ts'), import('./run.ts')]);
        return EXIT_CODES[await watchExecution(api, needs(first, 'an execution id: baton watch <execution id>'), { json, interactive })];
      }
      case 'fork':
      case 'retry': {
        const id = needs(first, `an execution id: baton ${command} <id>${command === 'fork' ? ' <step>' : ''}`);
        const step = command === 'fork' ? needs(second, `a step: baton fork ${id} <step>`) : undefined;
        return await (await import('./fork.ts')).fork(api, id, step, { inputs: values.input ?? [], watch: Boolean(values.watch), json, interactive });
      }
      case 'executions':
        await (await import('./executions.ts')).listExecutions(api, { status: values.status, limit: count('limit', values.limit, 20), json });
        return 0;
      case 'execution':
        await (await import('./executions.ts')).showExecution(api, needs(first, 'an execution id: baton execution <id>'), json);
        return 0;
      case 'logs':
        await (await import('./logs.ts')).showLogs(api, needs(first, 'an execution id: baton logs <id>'), { follow: Boolean(values.follow), json, afterSeq: count('after', values.after, 0) });
        return 0;
      case 'approve':
      case 'reject': {
        const id = needs(first, `an execution id and a step: baton ${command} <id> <step>`);
        const step = needs(second, `a step: baton ${command} ${id} <step>`);
        if (command === 'reject' && !values.reason) throw new UsageError(`reject needs --reason: the step is revised with it`);
        const decided = await (await import('./steer.ts')).decideStep(api, id, step, command === 'approve', values.reason);
        console.log(json ? JSON.stringify({ ...decided, step, decision: command === 'approve' ? 'approved' : 'rejected' }) : `${command === 'approve' ? 'Approved' : 'Rejected'} ${step}; ${id} is ${decided.status}`);
        return 0;
      }
      case 'stop': {
        const stopped = await (await import('./steer.ts')).stopExecution(api, needs(first, 'an execution id: baton stop <id>'));
        console.log(json ? JSON.stringify(stopped) : `${stopped.id} is ${stopped.status}`);
        return 0;
      }
      case 'workflows':
        await (await import('./workflows.ts')).listWorkflows(api, json);
        return 0;
      default: {
        if (first !== 'push') throw new UsageError(`unknown command: workflow ${first ?? ''}`.trim());
        const pushed = await (await import('./workflows.ts')).pushWorkflow(api, needs(second, 'a file: baton workflow push <file.md>'));
        console.log(json ? JSON.stringify(pushed) : `${pushed.action[0].toUpperCase()}${pushed.action.slice(1)} ${pushed.name} v${pushed.version} (${pushed.id})`);
        return 0;
      }
    }
  } finally {
    await api.close();
  }
}

export const CLIENT_COMMANDS = new Set(['run', 'watch', 'fork', 'retry', 'executions', 'execution', 'logs', 'approve', 'reject', 'stop', 'workflows', 'workflow']);
