import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    // Integration tests each start a private Dovecot; two cores here, so keep parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // The electron package downloads its binary when first loaded; tests must never reach out.
    env: { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' },
  },
});
