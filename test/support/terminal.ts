import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { until } from './until.ts';

const run = promisify(execFile);

/**
 * A real terminal: a tmux session on a private server, running one command, whose screen a test
 * reads and types into. tmux tells no one when its screen changes, so waiting polls the screen.
 */
export class Terminal {
  private constructor(private readonly socket: string) {}

  static async open(command: string[], { env = {}, width = 100, height = 30 }: { env?: Record<string, string>; width?: number; height?: number } = {}): Promise<Terminal> {
    const terminal = new Terminal(`baton-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const quoted = command.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    // The command's exit code stays on the screen, and the pane stays open for the test to read it.
    const script = `${quoted}; echo "EXIT=$?"; exec sleep 3600`;
    await run('tmux', ['-L', terminal.socket, '-f', '/dev/null', 'new-session', '-d', '-x', String(width), '-y', String(height), ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]), 'sh', '-c', script]);
    return terminal;
  }

  async screen(): Promise<string> {
    return (await run('tmux', ['-L', this.socket, 'capture-pane', '-p'])).stdout;
  }

  /** The screen once it matches `pattern` (and `unless` does not). */
  async waitFor(pattern: RegExp, { unless, timeoutMs = 30_000 }: { unless?: RegExp; timeoutMs?: number } = {}): Promise<string> {
    let last = '';
    try {
      return await until(async () => {
        last = await this.screen();
        return pattern.test(last) && !(unless && unless.test(last)) ? last : undefined;
      }, { timeoutMs, everyMs: 50, what: `the terminal to show ${pattern}` });
    } catch (error) {
      throw new Error(`${(error as Error).message}; the screen:\n${last}`);
    }
  }

  async type(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', ...keys]);
  }

  async close(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => {});
  }
}
