import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('GraphQL over HTTP', () => {
  it("passes every audit of graphql-http's server suite (as an authenticated client)", async () => {
    const credentials = credentialsOf(t.tenant);
    const fetchFn: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
      return fetch(input, { ...init, headers });
    };
    const results = await auditServer({ url: `${t.url}/graphql`, fetchFn });
    const failed = results.filter((result) => result.status !== 'ok').map((result) => `${result.status} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBe(61);
  });
});
