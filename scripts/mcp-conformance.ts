// `npm run conformance:mcp` runs the official MCP conformance suite (@modelcontextprotocol/conformance)
// against Baton's /mcp: a Baton on a scratch database (embedded PostgreSQL in a temp dir unless
// DATABASE_URL is set) with one tenant and one workflow, behind a local proxy that adds the tenant's
// credentials (the suite's client sends none). The suite's CLI needs Node ≥ 22: on an older Node, npx
// runs it on node@22 from the npm registry. Scenarios that exercise the reference server's own
// fixtures are expected to fail (scripts/mcp-conformance-baseline.yml); any other failure, or a listed
// one passing, exits 1. test/server/mcp-conformance.test.ts runs the same on Node ≥ 22 in the suite.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.ts';
import { parseEnv } from '../src/env.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import { openDatabaseServer } from '../src/store/database-url.ts';
import { createTenant } from '../src/tenancy/tenants.ts';

const SUITE = fileURLToPath(new URL('../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url));
const WORKFLOW = `# Greeting
Greets someone.

## Inputs
- name: Who to greet (string, required)

## Agents
### Greeter
Greets warmly.
Model: offline

## Steps
### Greet
Agent: Greeter
Greet {{inputs.name}}.
`;

let target = 0;
let credentials: Record<string, string> = {};
const proxy = createServer((req, res) => {
  const upstream = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: { ...req.headers, ...credentials } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
proxy.listen(0, '127.0.0.1');
await once(proxy, 'listening');
const proxied = `http://localhost:${(proxy.address() as AddressInfo).port}`;

const dataDir = await mkdtemp(join(tmpdir(), 'baton-mcp-conformance-'));
// The proxy's origin is a page allowed to call (the DNS rebinding scenario sends it as Origin).
const env = parseEnv({ ...process.env, PORT: '0', BATON_DATA_DIR: dataDir, BATON_CORS_ORIGINS: proxied });
const database = await openDatabaseServer(env);
const app = await buildApp({ env, databaseUrl: database.url, role: 'all' });
const url = (await app.start())!;
target = Number(new URL(url).port);
const tenant = await createTenant(app.database.db, 'MCP conformance');
credentials = { authorization: `Bearer ${tenant.apiKey}`, 'x-tenant-id': tenant.tenantId };
await createWorkflow(app.database.db, tenant.tenantId, WORKFLOW, env.models);

const baseline = new URL('./mcp-conformance-baseline.yml', import.meta.url).pathname;
const args = [SUITE, 'server', '--url', `${proxied}/mcp`, '--expected-failures', baseline, '-o', join(dataDir, 'results')];
const modern = Number(process.versions.node.split('.')[0]) >= 22;
const suite = modern ? spawn(process.execPath, args, { stdio: 'inherit' }) : spawn('npx', ['-y', '-p', 'node@22', '--', 'node', ...args], { stdio: 'inherit' });
const [code] = (await once(suite, 'exit')) as [number | null];

await app.stop();
await database.stop();
proxy.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(code ?? 1);
