import { request } from 'undici';

/**
 * The transport under the Anthropic SDK: its `fetch` option, served by undici's `request`. The
 * global `fetch` wraps every answer in WHATWG streams and Request/Response objects, which is about
 * half of the CPU a streamed call costs the process; `request` hands over the body as a Node stream,
 * which the SDK reads as it reads any async-iterable body. A fan-out's 50 calls at once cost the
 * worker about half the CPU they cost through `fetch` (bench:engine's fan-out rows run both). It goes
 * through undici's global dispatcher, as `fetch` does. Bodies other than text (uploads, which Baton
 * does not send) go through the global `fetch`.
 */
export const modelFetch = (async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  if (input instanceof Request || (init.body != null && typeof init.body !== 'string')) return fetch(input, init);
  const { statusCode, headers, body } = await request(input, {
    method: (init.method ?? 'GET') as 'GET',
    headers: new Headers(init.headers),
    body: init.body,
    signal: init.signal ?? undefined,
  });
  const answered = new Headers();
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) answered.set(name, Array.isArray(value) ? value.join(', ') : value);
  // What the SDK reads of a response; its body is read once, as a stream or whole.
  const response: Pick<Response, 'ok' | 'status' | 'statusText' | 'url' | 'headers' | 'json' | 'text'> & { body: AsyncIterable<Uint8Array>; bodyUsed: boolean } = {
    ok: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    statusText: '',
    url: String(input),
    headers: answered,
    body,
    bodyUsed: false,
    json: () => body.json(),
    text: () => body.text(),
  };
  return response as unknown as Response;
}) as typeof fetch;
