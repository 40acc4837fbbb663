import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/JSON export carries it, its attribute values unwrapped. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

const valueOf = (value: AnyValue): unknown =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? value.arrayValue?.values?.map(valueOf);

const attributesOf = (attributes: { key: string; value: AnyValue }[] = []) => Object.fromEntries(attributes.map(({ key, value }) => [key, valueOf(value)]));

interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { spans?: (Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes?: { key: string; value: AnyValue }[] })[] }[] }[];
}

/**
 * A local OTLP/HTTP traces receiver (`POST /v1/traces`): decodes JSON exports into spans and keeps
 * every body as sent (protobuf ones are kept raw), emitting `export` on each.
 */
export class OtlpReceiver extends EventEmitter {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: { path: string; contentType: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
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

  /** Resolves with the spans received so far once `found` holds of them, waiting for each export. */
  async waitFor(found: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    while (!found(this.spans)) await once(this, 'export');
    return this.spans;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const contentType = req.headers['content-type'] ?? '';
    this.bodies.push({ path: req.url ?? '', contentType, headers: req.headers, body });
    if (contentType.startsWith('application/json')) {
      const request = JSON.parse(body.toString()) as ExportRequest;
      for (const { resource, scopeSpans = [] } of request.resourceSpans ?? []) {
        for (const { spans = [] } of scopeSpans) {
          for (const span of spans) this.spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, attributes: attributesOf(span.attributes), resource: attributesOf(resource?.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      // An empty ExportTraceServiceResponse.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    }
    this.emit('export');
  }
}
