import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { Terminal } from '../support/terminal.ts';

const BATON = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));

let fake: FakeAnthropic;
let t: TestApp;
const file = fileURLToPath(new URL('./fixtures/gate.md', import.meta.url));
beforeAll(async () => {
  fake = await new FakeAnthropic().start();
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

it('shows a run live in a terminal: the step streaming its text, then asks at the gate and exits 0 once approved', { timeout: 90_000 }, async () => {
  let start!: () => void;
  let release!: () => void;
  fake.reply = () => ({
    text: 'Otters hold hands while they sleep so they do not drift apart.',
    usage: { input: 40, output: 15 },
    after: new Promise<void>((resolve) => (start = resolve)),
    pause: { afterDeltas: 3, until: new Promise<void>((resolve) => (release = resolve)) },
  });
  const terminal = await Terminal.open([process.execPath, BATON, 'run', file, '--input', 'topic=otters', '--watch'], {
    env: { BATON_URL: t.url, BATON_API_KEY: t.tenant.apiKey, BATON_TENANT_ID: t.tenant.tenantId },
  });
  try {
    // The model answers once the view receives events (token deltas are live only: a view attached later shows the text from then on).
    await terminal.waitFor(/running · 0\/2 steps .* · live\n\s+● draft +running/);
    start();
    // Mid-answer: the step is running and its first words are on the screen, the rest not yet.
    const streaming = await terminal.waitFor(/── draft ─+\n.*Otters hold/, { unless: /drift apart/ });
    expect(streaming).toMatch(/Gate {2}exec_\w+\nrunning · 0\/2 steps/);
    expect(streaming).toMatch(/● draft +running/);

    release();
    const asking = await terminal.waitFor(/Approve "sign_off"\? \[y\]es \/ \[n\]o:$/m);
    expect(asking).toMatch(/✓ draft +completed +claude-haiku\S* +40→15 tok +\$0\.0\d+/);
    // What is being approved: the draft, in full.
    expect(asking).toContain('draft wrote:\nOtters hold hands while they sleep so they do not drift apart.');
    expect(asking).toMatch(/\? sign_off +awaiting_approval/);

    await terminal.type('y', 'Enter');
    const done = await terminal.waitFor(/EXIT=\d+/);
    expect(done).toContain('EXIT=0');
    expect(done).toMatch(/completed · 2\/2 steps · 55 tokens · \$0\.\d+/);
    expect(done).toMatch(/✓ sign_off +completed/);
    expect(done).toMatch(/Output:\nOtters hold hands/);
  } finally {
    await terminal.close();
  }
});
