import { z } from 'zod';
import { Account, PasswordSource } from './account.js';
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
    /** Messages fetched and acted on per batch during catch-up, when bodies are fetched. */
    batchSize: z.number().int().min(1).max(5_000).default(250),
    /**
     * The same when the rules read header fields only (src/main/core/mail/fetch-plan.ts): a
     * message then costs a few hundred bytes, and each batch costs one MOVE per target folder
     * whatever its size. 5,000 messages × 20 rules took 4.8 s in batches of 250 and 2.2 s in one
     * (bench/README.md, backlog).
     */
    headerBatchSize: z.number().int().min(1).max(10_000).default(5_000),
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

/**
 * The keychain id the LLM endpoint's API key is kept under. An account id starts with a letter
 * or digit (Account.id), so no account can ever take this one.
 */
export const LLM_SECRET_ID = '~llm';

/**
 * The optional local classifier: an OpenAI-compatible chat endpoint (llama.cpp server,
 * llamafile, Ollama, LM Studio, vLLM…) asked for one of the user's categories when no rule
 * decided. Each default has its reason; all of it is optional so a settings file or config
 * written before these fields existed still parses to the same thing.
 */
export const LlmSettings = z
  .object({
    /** Off by default: nothing leaves the machine, and no model is asked, until the user says so. */
    enabled: z.boolean().default(false),
    /**
     * The API root, up to and including `/v1`. Default: llama.cpp's `llama-server` (and
     * llamafile) on its own port, on this machine. Ollama is `http://127.0.0.1:11434/v1`.
     */
    baseUrl: z
      .string()
      .max(2048)
      .regex(
        /^https?:\/\/[^\s/?#]+[^\s?#]*$/,
        'an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1',
      )
      .default('http://127.0.0.1:8080/v1'),
    /**
     * The model name sent with each request. Empty: the first model the server lists under
     * /models (llama.cpp serves the one it loaded whatever the name; Ollama needs a real one).
     */
    model: z.string().max(256).default(''),
    /**
     * Where the API key comes from, if the server wants one (`Authorization: Bearer …`): a
     * command, an env variable, or the keychain (under LLM_SECRET_ID). Never the key itself.
     */
    apiKey: PasswordSource.optional(),
    /**
     * One request's time limit, reply included. 60 s: the prompt is at most ~1.5k tokens, and a
     * 7B model on a laptop CPU reads prompts at roughly 50–100 tokens/s, so a cold answer takes
     * 15–30 s; twice that is slow but alive. A dead server costs this at most a few times (the
     * circuit breaker then skips the model for a while).
     */
    timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    /**
     * Requests in flight at once, across all accounts. 1: a local server usually has one slot,
     * and parallel requests only queue inside it while each one's timeout runs.
     */
    maxConcurrent: z.number().int().min(1).max(16).default(1),
    /**
     * Characters of body text shown to the model. 2,000 (~500 tokens) is enough to tell an
     * alert from a newsletter from a receipt, and keeps the prompt inside a 2k-token context
     * with the categories and headers; more costs time on every message for little gain.
     */
    excerptChars: z.number().int().min(200).max(20_000).default(2_000),
  })
  .strict();
export type LlmSettings = z.infer<typeof LlmSettings>;
export type LlmSettingsInput = z.input<typeof LlmSettings>;

export const SolonConfig = z
  .object({
    /** Where checkpoints and the activity log live. Default: $XDG_DATA_HOME/solon. */
    dataDir: z.string().min(1).optional(),
    accounts: z.array(Account).min(1, 'add at least one account'),
    rules: z.array(Rule).default([]),
    categories: z.array(Category).default([]),
    engine: EngineSettings.default(EngineSettings.parse({})),
    /** The local LLM classifier; absent or `enabled: false` means rules only. */
    llm: LlmSettings.optional(),
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
