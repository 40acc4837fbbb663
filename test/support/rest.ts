import { credentialsOf, type TestApp } from './app.ts';
import { contractOf } from './contract.ts';

export interface RestResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- contract tests read the documented JSON as written
  body: any;
}

/**
 * A REST call through real HTTP with the tenant's credentials (or `headers` instead). `body` is sent
 * as JSON, or as is when it is a string (malformed JSON tests). Every answer must conform to the
 * app's OpenAPI document (the contract test).
 */
export async function rest(t: TestApp, method: string, path: string, body?: unknown, headers: Record<string, string> = credentialsOf(t.tenant)): Promise<RestResponse> {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = { status: response.status, headers: response.headers, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  (await contractOf(t.url))(method, path, answer.status, answer.body);
  return answer;
}
