import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'training/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    benchmark: {
      include: ['benchmarks/**/*.bench.ts'],
    },
  },
});
