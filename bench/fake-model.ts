// The local fake of the Anthropic API in a child process, for benchmarks: the model is remote in
// production, so its work must not share the event loop of the Baton process being measured.
// `startFakeModel()` forks this file; the child answers every request with `reply` (optionally
// echoing the prompt) after `latencyMs`, and reports its request log with its own timestamps.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ModelCall {
  prompt: string;
  /** The child's performance.now() when the request arrived and when its answer was sent. */
  receivedAt: number;
  answeredAt: number;
}

type Command = { reply: { text: string; echo: boolean; latencyMs: number } } | { log: true } | { clear: true };

export interface FakeModel {
  url: string;
  /** How the model answers from now on: `text`, or `text` followed by the prompt when `echo`. */
  answer(text: string, latencyMs: number, echo?: boolean): Promise<void>;
  /** The requests answered since the last clear. */
  calls(): Promise<ModelCall[]>;
  clear(): Promise<void>;
  stop(): void;
}

export async function startFakeModel(): Promise<FakeModel> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: 'inherit' });
  let replies = Promise.resolve<unknown>(undefined);
  const ask = (command: Command) =>
    (replies = replies.then(() => new Promise((resolve) => {
      child.once('message', resolve);
      child.send(command);
    })));
  const url = await new Promise<string>((resolve) => child.once('message', (message) => resolve((message as { url: string }).url)));
  return {
    url,
    answer: async (text, latencyMs, echo = false) => void (await ask({ reply: { text, echo, latencyMs } })),
    calls: async () => (await ask({ log: true })) as ModelCall[],
    clear: async () => void (await ask({ clear: true })),
    stop: () => void child.kill(),
  };
}

async function child(): Promise<void> {
  const { FakeAnthropic, lastUserText } = await import('../test/support/fake-anthropic.ts');
  const fake = await new FakeAnthropic().start();
  let reply = { text: 'ok', echo: false, latencyMs: 0 };
  fake.reply = (request) => ({ text: reply.echo ? `${reply.text}${lastUserText(request)}` : reply.text, latencyMs: reply.latencyMs || undefined });
  process.on('message', (command: Command) => {
    if ('reply' in command) reply = command.reply;
    if ('clear' in command) fake.requests.length = 0;
    const log = 'log' in command ? fake.requests.map((r) => ({ prompt: lastUserText(r), receivedAt: r.receivedAt, answeredAt: r.answeredAt ?? r.receivedAt })) : undefined;
    process.send!(log ?? 'ok');
  });
  process.send!({ url: fake.url });
}

if (process.argv.includes('--child')) await child();
