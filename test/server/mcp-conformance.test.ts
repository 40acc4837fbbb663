import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startTestApp, type TestApp } from '../support/app.ts';
import { createWorkflowId } from '../support/runs.ts';

const SUITE = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('../../scripts/mcp-conformance-baseline.yml', import.meta.url));
/** The suite's CLI needs Node 22 or later (CI runs the suite again on Node 24; `npm run conformance:mcp` runs it anywhere). */
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The scenarios that apply to Baton's server: every check of theirs must succeed. */
const APPLICABLE = ['server-initialize', 'ping', 'tools-list', 'server-sse-multiple-streams', 'dns-rebinding-protection'];

describe.skipIf(nodeMajor < 22)('the official MCP conformance suite (@modelcontextprotocol/conformance)', () => {
  let t: TestApp;
  let proxy: Server;
  let url: string;
  let results: string;

  beforeAll(async () => {
    // The suite's client sends no credentials: a local proxy adds the tenant's.
    let target = '';
    let headers: Record<string, string> = {};
    proxy = createServer((req, res) => {
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, ...headers } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    url = `http://localhost:${(proxy.address() as AddressInfo).port}`;
    // Pages of the proxy's origin may call (the DNS rebinding scenario sends it as Origin).
    t = await startTestApp({ env: { BATON_CORS_ORIGINS: url } });
    target = t.url.replace('localhost', '127.0.0.1');
    headers = credentialsOf(t.tenant);
    await createWorkflowId(t, '# Greeting\nGreets someone.\n\n## Inputs\n- name: Who to greet (string, required)\n\n## Agents\n### Greeter\nGreets.\nModel: offline\n\n## Steps\n### Greet\nAgent: Greeter\nGreet {{inputs.name}}.\n');
    results = await mkdtemp(join(tmpdir(), 'baton-mcp-conformance-'));
  });

  afterAll(async () => {
    proxy?.close();
    await t?.stop();
    if (results) await rm(results, { recursive: true, force: true });
  });

  it('passes every scenario that applies; the rest test the reference server’s own fixtures (the baseline)', async () => {
    const suite = spawn(process.execPath, [SUITE, 'server', '--url', `${url}/mcp`, '--expected-failures', BASELINE, '-o', results], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    suite.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    suite.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(suite, 'exit')) as [number | null];
    expect(code, output.slice(-3000)).toBe(0);

    const checks = new Map<string, { id: string; status: string }[]>();
    for (const dir of await readdir(results)) {
      const scenario = APPLICABLE.find((name) => dir.startsWith(`server-${name}-`));
      if (scenario) checks.set(scenario, JSON.parse(await readFile(join(results, dir, 'checks.json'), 'utf8')));
    }
    for (const scenario of APPLICABLE) {
      const ran = checks.get(scenario) ?? [];
      expect(ran.filter((check) => check.status !== 'INFO').length, scenario).toBeGreaterThan(0);
      expect(ran.filter((check) => !['SUCCESS', 'INFO'].includes(check.status)), scenario).toEqual([]);
    }
  }, 120_000);
});
