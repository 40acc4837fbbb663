import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BATON = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));

/** The environment of a user who configured nothing: none of Baton's variables leak in from the runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'PORT', 'PUBLIC_URL', 'BATON_DATA_DIR']) delete env[name];
  return { ...env, ...extra };
}

export interface BatonProcess {
  child: ChildProcess;
  /** stdout and stderr as they arrived. */
  output: () => string;
  stdout: () => string;
  /** Resolves with the match once the output (stdout and stderr) matches; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when every process writing the output has closed it (Baton itself, when run through a shell). */
  closed: Promise<void>;
}

/**
 * Runs `baton <args>`; `{ shell: true }` runs it as a shell's child that does not exec it (as `npm
 * start` does), so `child` is the shell and Baton outlives it when the shell is killed.
 */
export function baton(args: string[], env: NodeJS.ProcessEnv, { shell = false } = {}): BatonProcess {
  const child = shell
    ? spawn('sh', ['-c', `"$0" "$@"; echo "baton exited: $?"`, process.execPath, BATON, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [BATON, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onData(chunk);
  });
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  const closed = Promise.all([child.stdout!, child.stderr!].map((stream) => new Promise<void>((resolve) => stream.once('close', () => resolve())))).then(() => {});
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    closed,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`baton ${args.join(' ')} exited before printing ${pattern}:\n${output}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs a CLI command to completion. */
export async function runBaton(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; stdout: string }> {
  const process = baton(args, env);
  const { code } = await process.exited;
  await process.closed;
  return { code, output: process.output(), stdout: process.stdout() };
}
