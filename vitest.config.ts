import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { CHROMIUM } from './test/support/chromium.ts';

// The dashboard's and GraphiQL's tests drive a real Chromium. Without one they are skipped, saying so
// once; under CI (which installs it: .ci/run) a missing browser fails them instead.
const browserTests = ['test/server/dashboard*.test.ts', 'test/server/graphiql.test.ts'];
const skipBrowser = !existsSync(CHROMIUM) && !process.env.CI;
if (skipBrowser) console.warn(`\n⚠ Skipping the browser tests (dashboard, GraphiQL): no Chromium at ${CHROMIUM}. Install it (apt install chromium) or set CHROMIUM_PATH; CI requires it.\n`);

// The CLI's live view is tested in a real terminal (tmux), likewise.
const terminalTests = 'test/cli/*-terminal.test.ts';
const skipTerminal = spawnSync('tmux', ['-V']).status !== 0 && !process.env.CI;
if (skipTerminal) console.warn(`\n⚠ Skipping the CLI's terminal tests: tmux is not installed. Install it (apt install tmux); CI requires it.\n`);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Baton and its dependencies alike; Vite would pick the
    // ESM build for our own files, and two copies break `instanceof GraphQLError`. Match Node.
    alias: { graphql: new URL('./node_modules/graphql/index.js', import.meta.url).pathname },
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(skipBrowser ? browserTests : []), ...(skipTerminal ? [terminalTests] : [])],
    // Files run in parallel, each on its own database cloned from a migrated template.
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
