import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Baton and its dependencies alike; Vite would pick the
    // ESM build for our own files, and two copies break `instanceof GraphQLError`. Match Node.
    alias: { graphql: new URL('./node_modules/graphql/index.js', import.meta.url).pathname },
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    // Files run in parallel, each on its own database cloned from a migrated template.
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
