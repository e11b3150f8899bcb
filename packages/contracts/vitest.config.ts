import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // fixtures built from the real data (archives, trained models) can take long on a busy 2-core CI
    hookTimeout: 60_000,
    passWithNoTests: true,
  },
});
