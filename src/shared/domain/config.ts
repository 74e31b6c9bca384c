import { z } from 'zod';
import { Account } from './account.js';
import { Category, Rule } from './rule.js';

/**
 * Engine timings and limits. Each default has its reason next to it; change one only with a
 * measurement (bench/).
 */
export const EngineSettings = z
  .object({
    /**
     * Restart IDLE this often. RFC 2177 allows 29 min, but NAT boxes and servers drop quiet
     * sessions far sooner; 5 min keeps the session warm at negligible cost.
     */
    idleRefreshMs: z
      .number()
      .int()
      .min(10_000)
      .default(5 * 60_000),
    /**
     * Socket inactivity timeout. Dovecot sends "* OK Still here" every 2 min in IDLE: below
     * that, imapflow would cycle a healthy connection. Our watchdog probe (below) is what
     * catches a silent dead connection quickly; this is the backstop.
     */
    socketTimeoutMs: z.number().int().min(10_000).default(150_000),
    connectTimeoutMs: z.number().int().min(1_000).default(20_000),
    /**
     * Enter IDLE this long after the last command. imapflow's default is 15 s, and a server
     * sends no EXISTS outside IDLE: new mail arriving in those 15 s waited up to 15 s (seen in
     * test/integration/supervisor.test.ts). Our commands come in tight bursts, so a short
     * pause already means "done for now".
     */
    idleDelayMs: z.number().int().min(0).default(50),
    /**
     * Watchdog: NOOP this often while watching, answered within probeTimeoutMs or the connection
     * counts as dead. A blackholed (half-open) connection — what sleep or a Wi-Fi change leaves —
     * gives no OS signal; this bounds its detection to interval + timeout (≤ 45 s by default).
     */
    probeIntervalMs: z.number().int().min(1_000).default(30_000),
    probeTimeoutMs: z.number().int().min(500).default(15_000),
    /** Full-jitter backoff: first retry immediate, then up to base·2^n, never over cap. */
    backoffBaseMs: z.number().int().min(100).default(1_000),
    /**
     * 60 s, not 5 min: after a minute of refusals the 5 min cap let the wait grow to 128 s
     * (back 57.7 s after the server returned, bench/recovery.ts). A cap of 60 s costs at most one
     * TLS login a minute per mailbox while a server is down, and bounds the delay after it returns.
     */
    backoffCapMs: z.number().int().min(1_000).default(60_000),
    /** After "too many connections" or a throttle: wait at least this long. */
    throttleMinMs: z.number().int().min(0).default(60_000),
    /** A session must stay up this long before the backoff resets (stops BYE-after-login loops). */
    stableMs: z.number().int().min(0).default(30_000),
    /** Catch up by UID this often even when IDLE said nothing (a missed EXISTS costs ≤ this). */
    safetySyncMs: z
      .number()
      .int()
      .min(10_000)
      .default(15 * 60_000),
    /** Wall-clock tick for the sleep detector; a gap over tick + jump means the machine slept. */
    clockTickMs: z.number().int().min(100).default(15_000),
    clockJumpMs: z.number().int().min(100).default(30_000),
    /** Messages fetched and acted on per batch during catch-up. */
    batchSize: z.number().int().min(1).max(5_000).default(250),
    /** Bytes of each message's source fetched for classification. */
    fetchPrefixBytes: z
      .number()
      .int()
      .min(1_024)
      .default(64 * 1024),
    parseTimeoutMs: z.number().int().min(50).default(2_000),
    /** A message whose handling failed this many times is quarantined (left in place, logged). */
    maxAttempts: z.number().int().min(1).default(3),
  })
  .strict();
export type EngineSettings = z.infer<typeof EngineSettings>;

export const SolonConfig = z
  .object({
    /** Where checkpoints and the activity log live. Default: $XDG_DATA_HOME/solon. */
    dataDir: z.string().min(1).optional(),
    accounts: z.array(Account).min(1, 'add at least one account'),
    rules: z.array(Rule).default([]),
    categories: z.array(Category).default([]),
    engine: EngineSettings.default(EngineSettings.parse({})),
  })
  .strict();
export type SolonConfig = z.infer<typeof SolonConfig>;
export type SolonConfigInput = z.input<typeof SolonConfig>;

/** "accounts[0].port" from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

export interface ConfigProblem {
  path: string;
  message: string;
}

export function zodProblems(err: z.ZodError): ConfigProblem[] {
  return err.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}
