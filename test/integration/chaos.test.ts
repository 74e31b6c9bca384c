import { expect, it } from 'vitest';
import { runChaos } from '../helpers/chaos.js';
import { testLogger } from '../helpers/test-logger.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const dovecot = useDovecot({ users: [{ user: 'chaos', password: 'chaos-pw' }] });
const seconds = Number(process.env.SOLON_CHAOS_SECONDS ?? 60);

it(
  `chaos soak (${seconds} s): random faults while mail flows; delivered = handled, no duplicates`,
  async () => {
    const report = await runChaos({
      dovecot: dovecot(),
      user: 'chaos',
      password: 'chaos-pw',
      durationMs: seconds * 1000,
      seed: process.env.SOLON_CHAOS_SEED ? Number(process.env.SOLON_CHAOS_SEED) : undefined,
      log: testLogger(),
      onProgress: (l) => process.env.SOLON_TEST_LOG && console.log(l),
    });
    console.log(`chaos: ${JSON.stringify(report)}`);
    expect(report.delivered).toBeGreaterThan(seconds); // mail really flowed
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(seconds / 6); // faults really fired
    expect({
      lost: report.lost,
      duplicates: report.duplicates,
      handled: report.handled,
      rejections: report.unhandledRejections,
    }).toEqual({ lost: 0, duplicates: 0, handled: report.delivered, rejections: 0 });
    // Memory does not grow without bound: the last quarter's heap stays near the first's.
    expect(report.heapLastMb).toBeLessThan(report.heapFirstMb * 2 + 30);
  },
  (seconds + 150) * 1000,
);
