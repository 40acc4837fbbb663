import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers to one request. */
export interface Reply {
  /** The answer's text (streamed in word-sized deltas). */
  text?: string;
  /** A tool call instead of (or after) text: the model stops with `tool_use`. */
  toolUse?: { name: string; input: Record<string, unknown> };
  /** An error answer: status, error type and message, and optionally retry-after-ms. */
  error?: { status: number; type: string; message: string; retryAfterMs?: number };
  /** Wait this long before answering. */
  latencyMs?: number;
  /** Answer only once this settles (a test holds the model until it is ready to watch). */
  after?: Promise<unknown>;
  /** Never answer: the request stays open until the client aborts it. */
  hang?: boolean;
  /** Wait this long before each text delta: an answer that streams at a steady pace. */
  deltaIntervalMs?: number;
  /** Stream the first `afterDeltas` text deltas, then hold the rest until `until` settles (a test watches an answer mid-stream). */
  pause?: { afterDeltas: number; until: Promise<unknown> };
  usage?: { input: number; output: number };
}

export interface LoggedRequest {
  body: {
    model: string;
    system?: string;
    stream?: boolean;
    max_tokens: number;
    messages: { role: string; content: unknown }[];
    tools?: { name: string }[];
  };
  headers: IncomingMessage['headers'];
  /** Resolves when the client went away before the answer ended (an abort). */
  aborted: Promise<void>;
  /** Resolves when the answer (or error answer) has been sent in full. */
  answered: Promise<void>;
  /** performance.now() when the request arrived and when its answer was complete. */
  receivedAt: number;
  answeredAt?: number;
}

/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`), JSON and SSE streaming,
 * with scripted replies, latency, errors and a request log. The real SDK talks to it via baseURL.
 */
export class FakeAnthropic extends EventEmitter {
  readonly requests: LoggedRequest[] = [];
  /** Decides each reply; by default a short text that quotes the prompt. */
  reply: (request: LoggedRequest, index: number) => Reply = (request) => ({ text: `Fake Claude answer to: ${lastUserText(request).slice(0, 40)}` });
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Resolves with the n-th request (1-based) once it has arrived. */
  async request(n: number): Promise<LoggedRequest> {
    while (this.requests.length < n) await once(this, 'request');
    return this.requests[n - 1];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const receivedAt = performance.now();
    let finished = false;
    const aborted = new Promise<void>((resolve) => res.once('close', () => !finished && resolve()));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = () => ((request.answeredAt = performance.now()), resolve())));
    const request: LoggedRequest = { body: JSON.parse(Buffer.concat(chunks).toString()), headers: req.headers, aborted, answered, receivedAt };
    const index = this.requests.push(request) - 1;
    this.emit('request', request);
    const reply = this.reply(request, index);
    if (reply.hang) return;
    if (reply.after) await reply.after;
    if (reply.latencyMs) await new Promise((resolve) => setTimeout(resolve, reply.latencyMs));
    if (res.destroyed) return;
    if (reply.error) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.error.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.error.retryAfterMs);
      res.writeHead(reply.error.status, headers).end(JSON.stringify({ type: 'error', error: { type: reply.error.type, message: reply.error.message } }));
      answer();
      finished = true;
      return;
    }
    const usage = reply.usage ?? { input: 25, output: 12 };
    const content: Record<string, unknown>[] = [];
    if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
    if (reply.toolUse) content.push({ type: 'tool_use', id: `toolu_${index}`, name: reply.toolUse.name, input: reply.toolUse.input });
    const message = { id: `msg_${index}`, type: 'message', role: 'assistant', model: request.body.model, stop_sequence: null };
    const stopReason = reply.toolUse ? 'tool_use' : 'end_turn';
    if (!request.body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...message, content, stop_reason: stopReason, usage: { input_tokens: usage.input, output_tokens: usage.output } }));
      answer();
      finished = true;
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // Events go out in one write unless the reply paces them (as an instant remote API's would arrive).
    res.cork();
    const wait = async (until: Promise<unknown>) => {
      res.uncork();
      await until;
      res.cork();
    };
    const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input, output_tokens: 1 } } });
    let deltas = 0;
    for (const [i, block] of content.entries()) {
      if (block.type === 'text') {
        send('content_block_start', { index: i, content_block: { type: 'text', text: '' } });
        for (const piece of String(block.text).match(/\S+\s*/g) ?? []) {
          if (reply.pause && deltas++ === reply.pause.afterDeltas) {
            await wait(reply.pause.until);
            if (res.destroyed) return;
          }
          if (reply.deltaIntervalMs) {
            await wait(new Promise((resolve) => setTimeout(resolve, reply.deltaIntervalMs)));
            if (res.destroyed) return;
          }
          send('content_block_delta', { index: i, delta: { type: 'text_delta', text: piece } });
        }
      } else {
        send('content_block_start', { index: i, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        // As the API streams a tool call's input: an empty piece first, then the JSON in pieces.
        for (const piece of ['', ...(JSON.stringify(block.input).match(/[\s\S]{1,8}/g) ?? [])]) send('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: piece } });
      }
      send('content_block_stop', { index: i });
    }
    send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output } });
    send('message_stop', {});
    finished = true;
    res.uncork();
    res.end(answer);
  }
}

export function lastUserText(request: LoggedRequest): string {
  const last = [...request.body.messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
}
