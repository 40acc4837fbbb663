// The local fake of the Anthropic API in a child process, for benchmarks: the model is remote in
// production, so its work must not share the event loop of the Baton process being measured.
// `startFakeModel()` forks this file; the child answers every request with `reply` (optionally
// echoing the prompt) after `latencyMs`, and reports its request log with its own timestamps.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ModelCall {
  prompt: string;
  /** The conversation's first message (the step's prompt), and whether this request carries tool results. */
  first: string;
  toolResults: boolean;
  /** When the request arrived and when its answer was sent, on the machine's clock (performance.timeOrigin + performance.now(), in ms): comparable across processes. */
  receivedAt: number;
  answeredAt: number;
}

type ToolUse = { name: string; input: Record<string, unknown> };
type Command = { reply: { text: string; echo: boolean; latencyMs: number } } | { toolUse: ToolUse | null } | { log: true } | { clear: true };

export interface FakeModel {
  url: string;
  /** How the model answers from now on: `text`, or `text` followed by the prompt when `echo`. */
  answer(text: string, latencyMs: number, echo?: boolean): Promise<void>;
  /** From now on, a request offering tools and carrying no tool result yet is answered with this call (null: never). */
  callTool(toolUse: ToolUse | null): Promise<void>;
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
    callTool: async (toolUse) => void (await ask({ toolUse })),
    calls: async () => (await ask({ log: true })) as ModelCall[],
    clear: async () => void (await ask({ clear: true })),
    stop: () => void child.kill(),
  };
}

async function child(): Promise<void> {
  const { FakeAnthropic, lastUserText } = await import('../test/support/fake-anthropic.ts');
  const fake = await new FakeAnthropic().start();
  let reply = { text: 'ok', echo: false, latencyMs: 0 };
  let toolUse: ToolUse | null = null;
  const hasToolResults = (request: { body: { messages: { content: unknown }[] } }) => request.body.messages.some((message) => Array.isArray(message.content));
  fake.reply = (request) => {
    if (toolUse && request.body.tools?.length && !hasToolResults(request)) return { toolUse, latencyMs: reply.latencyMs || undefined };
    return { text: reply.echo ? `${reply.text}${lastUserText(request)}` : reply.text, latencyMs: reply.latencyMs || undefined };
  };
  process.on('message', (command: Command) => {
    if ('reply' in command) reply = command.reply;
    if ('toolUse' in command) toolUse = command.toolUse;
    if ('clear' in command) fake.requests.length = 0;
    const log =
      'log' in command
        ? fake.requests.map((r) => ({
            prompt: lastUserText(r),
            first: String(r.body.messages[0]?.content ?? ''),
            toolResults: hasToolResults(r),
            receivedAt: performance.timeOrigin + r.receivedAt,
            answeredAt: performance.timeOrigin + (r.answeredAt ?? r.receivedAt),
          }))
        : undefined;
    process.send!(log ?? 'ok');
  });
  process.send!({ url: fake.url });
}

if (process.argv.includes('--child')) await child();
