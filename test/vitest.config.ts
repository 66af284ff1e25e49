import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const fromServer = createRequire(new URL('../server/package.json', import.meta.url));

export default defineConfig({
  // The server's dependencies load graphql's CommonJS entry; its source, imported here, must use the
  // same copy or graphql-js refuses types "from another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: fromServer.resolve('graphql') }] },
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'contract',
          include: ['contract/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20000,
          hookTimeout: 30000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60000,
          hookTimeout: 60000,
          // One server and one browser at a time: they are heavy, and screenshots should be deterministic.
          fileParallelism: false,
        },
      },
    ],
  },
});
