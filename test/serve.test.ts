import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, cleanEnv, type BatonProcess } from './support/process.ts';

const VIEWER = JSON.stringify({ query: '{ viewer { tenant { id name } } }' });

async function viewer(url: string, headers: Record<string, string>) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: VIEWER });
  return { status: response.status, body: (await response.json()) as { data?: { viewer: { tenant: { id: string; name: string } } } } };
}

async function started(server: BatonProcess): Promise<string> {
  const [, url] = await server.waitFor(/GraphQL\s+(http:\/\/localhost:\d+)\/graphql/);
  return url;
}

async function stopped(server: BatonProcess, signal: NodeJS.Signals) {
  server.child.kill(signal);
  return server.exited;
}

// The zero-config path a new user runs: no environment at all, so an embedded PostgreSQL.
// Each test runs `baton serve` as a process twice, each start with its own cold embedded PostgreSQL
// (initdb, migrations, queues): about 26 s on this 2-core machine, more when it is busy.
describe('baton serve with no configuration', { timeout: 90_000 }, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts, prints a key that works, stops cleanly on a signal and reuses its data on the next start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-serve-'));
    dirs.push(dataDir);
    const env = cleanEnv({ BATON_DATA_DIR: dataDir, PORT: '0' });

    const first = baton(['serve'], env);
    const url = await started(first);
    const [, tenantId] = await first.waitFor(/Tenant id\s+(ten_\w+)/);
    const [, apiKey] = await first.waitFor(/API key\s+(bt_\S+)/);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const answer = await viewer(url, { authorization: `Bearer ${apiKey}`, 'x-tenant-id': tenantId });
    expect(answer).toEqual({ status: 200, body: { data: { viewer: { tenant: { id: tenantId, name: 'default' } } } } });
    expect((await viewer(url, {})).status).toBe(401);

    const credentials = join(dataDir, 'credentials.json');
    expect(JSON.parse(await readFile(credentials, 'utf8'))).toEqual({ tenant_id: tenantId, api_key: apiKey });
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);

    expect(await stopped(first, 'SIGINT')).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('stopped');

    const second = baton(['serve'], env);
    const secondUrl = await started(second);
    expect(second.output()).not.toContain('First start');
    expect((await viewer(secondUrl, { authorization: `Bearer ${apiKey}`, 'x-tenant-id': tenantId })).status).toBe(200);
    expect(await stopped(second, 'SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('stops, leaving nothing running, when the process that started it dies without passing a signal on', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-parent-'));
    dirs.push(dataDir);
    const server = baton(['serve'], cleanEnv({ BATON_DATA_DIR: dataDir, PORT: '0' }), { shell: true });
    await started(server);
    server.child.kill('SIGKILL');
    await server.closed;
    expect(server.output()).toMatch(/parent process gone: stopping[\s\S]*\nstopped\n/);
    expect(server.output()).not.toContain('baton exited');
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('says in one line that its port is taken, exits 1, and leaves no database running and no unseen key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-port-'));
    dirs.push(dataDir);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const server = baton(['serve'], cleanEnv({ BATON_DATA_DIR: dataDir, PORT: String(port) }));
      expect(await server.exited).toEqual({ code: 1, signal: null });
      expect(server.output().trim().split('\n').at(-1)).toBe(`baton: port ${port} is in use by another program: stop it, or set PORT to a free port`);
      expect(server.output()).not.toMatch(/\n\s+at |WebSocket/);
      expect(existsSync(join(dataDir, 'credentials.json'))).toBe(false);
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('adopts the embedded PostgreSQL of a Baton killed with SIGKILL, says so, and stops it when it stops', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-orphan-'));
    dirs.push(dataDir);
    const env = cleanEnv({ BATON_DATA_DIR: dataDir, PORT: '0' });
    const killed = baton(['serve'], env);
    await started(killed);
    expect(await stopped(killed, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const next = baton(['serve'], env);
    const url = await started(next);
    const [, pid] = await next.waitFor(/adopted the embedded PostgreSQL \(pid (\d+)\) left running by Baton process (\d+), which has ended/);
    expect(Number(pid)).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await stopped(next, 'SIGTERM')).toEqual({ code: 0, signal: null });
    // pg_ctl waited for it: the server is gone with the Baton that adopted it (its pid may linger as
    // a zombie where nothing reaps orphans, so the server's own pid file tells).
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
