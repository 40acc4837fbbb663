import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { baton, cleanEnv, runBaton } from '../support/process.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const RELAY = readFileSync(fixture('relay.md'), 'utf8');

let fake: FakeAnthropic;
let t: TestApp;
let env: NodeJS.ProcessEnv;
let dir: string;
/** A port nothing listens on. */
let closedPort: number;
beforeAll(async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  fake = await new FakeAnthropic().start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
  env = cleanEnv({ BATON_URL: t.url, BATON_API_KEY: t.tenant.apiKey, BATON_TENANT_ID: t.tenant.tenantId });
  dir = await mkdtemp(join(tmpdir(), 'baton-cli-'));
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});
beforeEach(() => {
  fake.reply = (request) => ({ text: `Answer to: ${JSON.stringify(request.body.messages.at(-1)?.content).slice(0, 60)}` });
});

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

// Each command is a Node process loading Baton's TypeScript: a second or more on a busy 2-core machine.
describe('the baton client commands', { timeout: 120_000 }, () => {
  it('pushes a workflow file: created, then unchanged, then updated as a new version, and lists it', async () => {
    const file = join(dir, 'push.md');
    await writeFile(file, RELAY.replace('# Relay', '# Pushed'));
    const created = await runBaton(['workflow', 'push', file, '--json'], env);
    expect(created.code).toBe(0);
    const first = json<{ id: string; action: string; version: number }>(created.stdout);
    expect(first).toMatchObject({ action: 'created', version: 1, name: 'Pushed' });

    expect(json(((await runBaton(['workflow', 'push', file, '--json'], env)).stdout))).toEqual({ ...first, action: 'unchanged' });
    await writeFile(file, RELAY.replace('# Relay', '# Pushed').replace('Say the second thing.', 'Say it twice.'));
    expect(json((await runBaton(['workflow', 'push', file, '--json'], env)).stdout)).toEqual({ ...first, action: 'updated', version: 2 });

    const listed = await runBaton(['workflows'], env);
    expect(listed.stdout).toMatch(new RegExp(`${first.id}\\s+Pushed\\s+v2`));
  });

  it('refuses a file that does not compile, naming file, line and column', async () => {
    const file = join(dir, 'broken.md');
    await writeFile(file, RELAY.replace('Agent: Worker\nSay the second', 'Agent: Wroker\nSay the second'));
    const { code, output } = await runBaton(['workflow', 'push', file], env);
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`${file}:\\d+:\\d+ error UNKNOWN_AGENT`));
    expect(output).toContain(`baton: ${file} does not compile: 1 error`);
  });

  it('runs a file and watches it: the gate is approved from another command, and it exits 0 with the output', async () => {
    const run = baton(['run', fixture('gate.md'), '--input', 'topic=otters', '--watch'], env);
    const [, id] = await run.waitFor(/sign_off awaits approval: baton approve (\S+) sign_off/);
    expect(run.output()).toContain('step.completed draft');

    const approved = await runBaton(['approve', id, 'sign_off', '--json'], env);
    expect(approved.code).toBe(0);
    expect(json(approved.stdout)).toMatchObject({ id, step: 'sign_off', decision: 'approved' });

    expect((await run.exited).code).toBe(0);
    expect(run.output()).toContain('step.approved sign_off');
    expect(run.output()).toMatch(new RegExp(`${id}: completed`));
    expect(run.stdout()).toMatch(/Output:\nAnswer to: .*otters/);

    const listed = json<{ id: string; status: string }[]>((await runBaton(['executions', '--status', 'completed', '--json'], env)).stdout);
    expect(listed.map((execution) => execution.id)).toContain(id);
    const detail = json<{ status: string; steps: { stepId: string; status: string; tokens: { output: number }; model: string }[] }>((await runBaton(['execution', id, '--json'], env)).stdout);
    expect(detail.status).toBe('COMPLETED');
    expect(detail.steps.map((step) => [step.stepId, step.status])).toEqual([
      ['draft', 'COMPLETED'],
      ['sign_off', 'COMPLETED'],
    ]);
    expect(detail.steps[0].tokens.output).toBeGreaterThan(0);
  });

  it('rejects at the gate with a reason: the run fails and the watcher exits 1', async () => {
    const started = await runBaton(['run', fixture('gate.md'), '-i', 'topic=owls', '--json'], env);
    const { id } = json<{ id: string }>(started.stdout);
    const watch = baton(['watch', id], env);
    await watch.waitFor(/awaits approval/);
    expect((await runBaton(['reject', id, 'sign_off'], env)).output).toMatch(/reject needs --reason/);
    expect((await runBaton(['reject', id, 'sign_off', '--reason', 'too short'], env)).code).toBe(0);
    expect((await watch.exited).code).toBe(1);
    expect(watch.output()).toContain('step.rejected sign_off — too short');
  });

  it('retries a failed run from its failed step, keeping the step before it, and forks from a step', async () => {
    fake.reply = (request) => (JSON.stringify(request.body.messages).includes('Say the second') ? { error: { status: 400, type: 'invalid_request_error', message: 'no' } } : { text: 'first done' });
    const failed = await runBaton(['run', fixture('relay.md'), '--watch'], env);
    expect(failed.code).toBe(1);
    const id = /(exec_\w+): failed/.exec(failed.output)![1];

    fake.reply = () => ({ text: 'second done', usage: { input: 10, output: 5 } });
    const before = fake.requests.length;
    const retried = await runBaton(['retry', id, '--watch'], env);
    expect(retried.code).toBe(0);
    expect(retried.output).toContain(`Forked ${id} from second: runs second; keeps first`);
    expect(fake.requests.length - before).toBe(1);

    const forked = await runBaton(['fork', id, 'first', '--json'], env);
    expect(json<{ preview: { stepsToRun: string[] } }>(forked.stdout).preview.stepsToRun).toEqual(['first', 'second']);
  });

  it('runs within a budget: a run that runs out exits 1 naming the budget, and a bad budget is named', async () => {
    const run = await runBaton(['run', fixture('relay.md'), '--budget-tokens', '1', '--watch'], env);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/budget_exhausted/);
    expect(run.output).toMatch(/budget exhausted: the execution's budget of 1 tokens/);
    const zero = await runBaton(['run', fixture('relay.md'), '--budget-usd', '0'], env);
    expect(zero.code).toBe(1);
    expect(zero.output).toMatch(/budget\.usd must be above 0, not 0/);
    const words = await runBaton(['run', fixture('relay.md'), '--budget-tokens', 'lots'], env);
    expect(words.code).toBe(2);
    expect(words.output).toMatch(/--budget-tokens needs a number, not "lots"/);
  });

  it('stops a running execution: its watcher exits 3', async () => {
    fake.reply = () => ({ hang: true });
    const started = await runBaton(['run', fixture('relay.md')], env);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^exec_/);
    const watch = baton(['watch', id], env);
    await watch.waitFor(/step\.started first/);
    const stopped = await runBaton(['stop', id], env);
    expect(stopped.stdout).toBe(`${id} is stopped\n`);
    expect((await watch.exited).code).toBe(3);
  });

  it('follows the logs through a dropped connection, resuming without a missing or repeated event', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.reply = () => ({ text: 'done', after: held });
    // A proxy between the CLI and the server, whose connections the test cuts.
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = new URL(t.url);
      const server = createConnection(Number(upstream.port), upstream.hostname);
      for (const socket of [client, server]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket)).on('error', () => {});
      }
      client.pipe(server).pipe(client);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const id = (await runBaton(['run', fixture('relay.md')], env)).stdout.trim();
      const follow = baton(['logs', id, '--follow', '--json', '--url', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`], env);
      await follow.waitFor(/"kind":"STEP_STARTED"/);
      for (const socket of sockets) socket.destroy();
      await follow.waitFor(/reconnecting/);
      release();
      expect((await follow.exited).code).toBe(0);
      const seqs = follow
        .stdout()
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq: number }).seq);
      const stored = json<{ seq: number }[]>((await runBaton(['logs', id, '--json'], env)).stdout.trim().replace(/\n/g, ',').replace(/^/, '[').concat(']'));
      expect(seqs).toEqual(stored.map((event) => event.seq));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(follow.stdout()).toContain('EXECUTION_COMPLETED');
    } finally {
      release();
      proxy.close();
    }
  });

  it.each([
    ['a revoked or wrong key', ['workflows'], { BATON_API_KEY: 'bt_0000000000000000000000000_nope' }, 1, /baton: the server refused the credentials/],
    ['a server that is not there', ['workflows'], { BATON_URL: 'CLOSED' }, 1, /baton: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) \(is `baton serve` running there\?/],
    ['no key anywhere', ['executions'], { BATON_API_KEY: '', BATON_DATA_DIR: '/nonexistent' }, 1, /baton: no API key \(set BATON_API_KEY/],
    ['a missing input', ['run', 'GATE'], {}, 1, /baton: Invalid inputs: missing required input "topic" \(string\)/],
    ['an unknown workflow', ['run', 'wf_nope'], {}, 1, /baton: .*wf_nope.* \(baton workflows lists them\)/],
    ['an unknown execution', ['execution', 'exec_nope'], {}, 1, /baton: no execution with id exec_nope/],
    ['a malformed input', ['run', 'wf_nope', '--input', 'topic'], {}, 2, /--input takes name=value or name:=json, not "topic"/],
    ['an unknown status', ['executions', '--status', 'done'], {}, 2, /--status must be one of running, awaiting_approval, completed, failed, stopped, budget_exhausted, not "done"/],
  ] as [string, string[], Record<string, string>, number, RegExp][])('answers %s in one line with a hint', async (_what, args, extra, code, message) => {
    const argv = args.map((arg) => (arg === 'GATE' ? fixture('gate.md') : arg));
    const result = await runBaton(argv, { ...env, ...extra, ...(extra.BATON_URL === 'CLOSED' ? { BATON_URL: `http://127.0.0.1:${closedPort}` } : {}) });
    expect(result.code).toBe(code);
    expect(result.output.trim().split('\n').filter((line) => line.startsWith('baton:'))).toHaveLength(1);
    expect(result.output).toMatch(message);
  });
});
