import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** performance.timeOrigin + performance.now() when the request's body had arrived. */
  at: number;
}

/** How to answer: a status code, or `hang` (hold the request open, never answer). */
export type Answer = number | 'hang';

/** A webhook endpoint for tests: a real HTTP server on 127.0.0.1 that records what it receives. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Decides each answer, by the request and how many came before it. */
  answer: (request: Received, index: number) => Answer = () => 200;
  private server?: Server;
  private readonly listeners = new Set<() => void>();
  private readonly held = new Set<ServerResponse>();

  async start(): Promise<this> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: Received = { headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])), body: Buffer.concat(chunks).toString('utf8'), at: performance.timeOrigin + performance.now() };
        const answer = this.answer(received, this.received.length);
        this.received.push(received);
        for (const listener of this.listeners) listener();
        if (answer === 'hang') return void this.held.add(response);
        response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 200 && answer < 300 ? 'ok' : `no thanks (${answer})`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` requests have arrived in all. */
  waitFor(count: number): Promise<Received[]> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.received.length < count) return;
        this.listeners.delete(check);
        resolve(this.received.slice());
      };
      this.listeners.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
