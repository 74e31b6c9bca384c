import type { ActivityEntry } from '../../shared/domain/activity.js';
import type { SolonConfig } from '../../shared/domain/config.js';
import type { AccountStatus, ClassifierHealth } from '../../shared/domain/status.js';
import { ActivityLog } from './activity/activity-log.js';
import { undoEntry } from './actions/undo.js';
import { createLlmCategorizer, type LlmCategorizer } from './classify/llm/index.js';
import { createClassifier, type Categorizer } from './classify/pipeline.js';
import { resolveLlmApiKey, resolvePassword } from './config/password.js';
import { AccountSupervisor } from './imap/account-supervisor.js';
import { MailboxWatcher } from './imap/mailbox-watcher.js';
import { ledgerFile, MailboxLedger } from './ledger/mailbox-ledger.js';
import { fetchPlanFor, FULL_FETCH } from './mail/fetch-plan.js';
import { silentLogger, systemClock, type Clock, type Logger, type SecretSource } from './ports.js';
import { join } from 'node:path';
import { acquireInstanceLock } from './util/instance-lock.js';

export interface EngineDeps {
  config: SolonConfig;
  dataDir: string;
  clock?: Clock;
  log?: Logger;
  /** Keychain passwords (desktop app). Headless uses password commands and env variables. */
  keychain?: SecretSource;
  /**
   * The LLM seam: asked for a category when no rule decided. Given, it is used as is; absent,
   * the engine builds the LLM categorizer when `config.llm.enabled` and there are categories.
   */
  categorize?: Categorizer;
  /** Tests: the fetch the LLM categorizer uses (default: the global fetch). */
  fetch?: typeof fetch;
  /** Decide and report, change nothing: no IMAP writes, no checkpoint, no activity file. */
  dryRun?: boolean;
  /** Catch up once per mailbox, then stop. */
  once?: boolean;
  random?: () => number;
  /** Tests: force COPY + \Deleted + UID EXPUNGE instead of MOVE. */
  noMove?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Engine {
  start(): Promise<void>;
  /** Flush and stop: the batch in hand finishes, checkpoints are written, sessions log out. */
  stop(): Promise<void>;
  /** The OS is about to sleep, or the user paused (every account, or the one named). */
  suspend(reason?: string, accountId?: string): void;
  /** Woke up / unpaused / password fixed: reconnect at once (every account, or the one named). */
  resume(reason?: string, accountId?: string): void;
  /** Network changed or unlocked: check each connection, reconnect the dead ones. */
  probe(): Promise<void>;
  /** Look for new mail now (every account, or the one named). */
  checkNow(accountId?: string): void;
  status(): AccountStatus[];
  onStatus(fn: (s: AccountStatus[]) => void): () => void;
  onActivity(fn: (e: ActivityEntry) => void): () => void;
  /** Resolves when every mailbox has finished its first catch-up (or given up, in once mode). */
  caughtUp(): Promise<void>;
  recentActivity(limit: number): Promise<ActivityEntry[]>;
  undo(entryId: string): Promise<ActivityEntry>;
}

export function createEngine(deps: EngineDeps): Engine {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLogger;
  const settings = deps.config.engine;
  const activityLog = new ActivityLog({ dir: join(deps.dataDir, 'activity') });
  const statusListeners = new Set<(s: AccountStatus[]) => void>();
  const activityListeners = new Set<(e: ActivityEntry) => void>();
  const supervisors: AccountSupervisor[] = [];
  let jumpTimer: ReturnType<Clock['setTimeout']> | undefined;
  let running = false;
  /** Accounts suspended (by sleep or the user): the clock-jump detector leaves them be. */
  const suspended = new Set<string>();
  /** The supervisors meant: all of them, or the named account's. */
  const chosen = (accountId: string | undefined): AccountSupervisor[] =>
    accountId === undefined ? supervisors : supervisors.filter((s) => s.account.id === accountId);
  let unlock: (() => Promise<void>) | undefined;

  const llm = buildLlm();
  /**
   * What the watchers fetch: only the header fields the rules read when nothing reads the body
   * (bench/README.md, backlog). A categorizer handed in from outside may read anything.
   */
  const fetchPlan = deps.categorize
    ? { ...FULL_FETCH }
    : fetchPlanFor(deps.config.rules, deps.config.categories);
  const classifierHealth = (): ClassifierHealth | undefined => llm?.health();
  /** An account's status, with the classifier's health beside the connection's (never mixed in). */
  const statusOf = (sv: AccountSupervisor): AccountStatus => {
    const h = classifierHealth();
    return h ? { ...sv.status(), classifier: h } : sv.status();
  };

  const emitStatus = (): void => {
    const s = supervisors.map(statusOf);
    for (const fn of statusListeners) fn(s);
  };

  /**
   * One LLM categorizer for the whole engine (one limiter and one breaker for the one local
   * server, shared by every account), with its decisions kept in the data folder. A dry run
   * keeps them in memory only: it writes nothing.
   */
  function buildLlm():
    { categorize: Categorizer; health(): ClassifierHealth; flush(): Promise<void> } | undefined {
    const cfg = deps.config.llm;
    if (deps.categorize || !cfg?.enabled) return undefined;
    if (deps.config.categories.length === 0) {
      const off: ClassifierHealth = {
        state: 'off',
        reason: 'no categories to choose from',
        since: clock.now(),
      };
      return {
        categorize: () => Promise.resolve({}),
        health: () => off,
        flush: () => Promise.resolve(),
      };
    }
    const source = cfg.apiKey;
    const c: LlmCategorizer = createLlmCategorizer({
      settings: cfg,
      apiKey: source ? () => resolveLlmApiKey(source, deps.keychain, deps.env) : undefined,
      cacheFile: deps.dryRun ? undefined : join(deps.dataDir, 'llm', 'decisions.json'),
      log,
      clock,
      fetch: deps.fetch,
      onHealth: (h) => {
        log.info('classifier health', { state: h.state, reason: h.reason });
        // Listeners are told from inside a classification; never let one throw into it.
        try {
          emitStatus();
        } catch (err) {
          log.warn('status listener failed', { err: String(err) });
        }
      },
    });
    return { categorize: c, health: () => c.health(), flush: () => c.flush() };
  }

  async function build(): Promise<void> {
    for (const account of deps.config.accounts) {
      const alog = log.child({ account: account.id });
      const watchers: MailboxWatcher[] = [];
      const supervisor = new AccountSupervisor(account, watchers, clock);
      for (const mailbox of account.mailboxes) {
        const file = ledgerFile(deps.dataDir, account.id, mailbox);
        // A dry run starts from the real checkpoint but never writes it.
        const ledger = deps.dryRun
          ? await MailboxLedger.open(
              undefined,
              mailbox,
              (await MailboxLedger.open(file, mailbox)).state,
            )
          : await MailboxLedger.open(file, mailbox);
        watchers.push(
          new MailboxWatcher({
            account,
            mailbox,
            settings,
            clock,
            log: alog,
            password: () => resolvePassword(account, deps.keychain, deps.env),
            ledger,
            classify: createClassifier({
              rules: deps.config.rules,
              categories: deps.config.categories,
              mailbox,
              categorize: deps.categorize ?? llm?.categorize,
            }),
            record: async (entries) => {
              if (!deps.dryRun) await activityLog.append(entries);
              for (const e of entries) {
                if (e.result === 'done' || e.result === 'error') supervisor.count(e.result);
                if (e.result === 'error' || e.result === 'quarantined') supervisor.noteError(e);
                for (const fn of activityListeners) fn(e);
              }
              if (entries.length) emitStatus();
            },
            recordedKeys: async () => {
              const keys = new Set<string>();
              for (const e of await activityLog.readAll())
                if (e.result === 'done' || e.result === 'no-match') keys.add(e.key);
              return keys;
            },
            onStatus: () => emitStatus(),
            dryRun: deps.dryRun ?? false,
            once: deps.once,
            random: deps.random,
            noMove: deps.noMove,
            fetchPlan,
          }),
        );
      }
      supervisors.push(supervisor);
    }
  }

  /**
   * Sleep detector: timers do not run while the machine sleeps, so a tick that arrives much
   * later than scheduled means we slept (headless has no OS event for it). Treat it as a wake.
   */
  function tick(last: number): void {
    jumpTimer = clock.setTimeout(() => {
      const now = clock.now();
      const gap = now - last - settings.clockTickMs;
      // A suspended engine stays suspended: the user's Pause (or the OS's sleep) is not undone
      // by the detector; the wake that matters then comes from resume().
      if (gap > settings.clockJumpMs) {
        log.info('wall clock jumped: treating as a wake', { gapMs: gap });
        for (const s of supervisors)
          if (!suspended.has(s.account.id))
            s.resume(`woke up (clock jumped ${Math.round(gap / 1000)} s)`);
      }
      if (running) tick(now);
    }, settings.clockTickMs);
  }

  return {
    async start() {
      if (running) return;
      // A dry run writes nothing, so it may look over a running Solon's shoulder.
      if (!deps.dryRun) unlock = await acquireInstanceLock(deps.dataDir);
      await build();
      running = true;
      for (const s of supervisors) s.start();
      if (!deps.once) tick(clock.now());
    },
    async stop() {
      running = false;
      clock.clearTimeout(jumpTimer);
      await Promise.all(supervisors.map((s) => s.stop()));
      await llm?.flush();
      await unlock?.();
      unlock = undefined;
      emitStatus();
    },
    suspend(reason = 'the computer is going to sleep', accountId) {
      for (const s of chosen(accountId)) {
        suspended.add(s.account.id);
        s.suspend(reason);
      }
    },
    resume(reason = 'resumed', accountId) {
      for (const s of chosen(accountId)) {
        suspended.delete(s.account.id);
        s.resume(reason);
      }
    },
    async probe() {
      await Promise.all(supervisors.map((s) => s.probe()));
    },
    checkNow(accountId) {
      for (const s of chosen(accountId)) s.checkNow();
    },
    status: () => supervisors.map(statusOf),
    onStatus(fn) {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
    onActivity(fn) {
      activityListeners.add(fn);
      return () => activityListeners.delete(fn);
    },
    async caughtUp() {
      await Promise.all(supervisors.flatMap((s) => s.watchers.map((w) => w.caughtUp)));
    },
    recentActivity: (limit) => activityLog.recent(limit),
    async undo(entryId) {
      const all = await activityLog.readAll();
      const entry = all.find((e) => e.id === entryId);
      if (!entry) throw new Error(`no activity entry ${entryId}`);
      if (all.some((e) => e.undoes === entryId)) throw new Error('already undone');
      const account = deps.config.accounts.find((a) => a.id === entry.accountId);
      if (!account) throw new Error(`no account "${entry.accountId}" in the config`);
      const password = await resolvePassword(account, deps.keychain, deps.env);
      // A message moved back into a watched mailbox arrives there as new mail: tell that
      // mailbox's watcher to leave it alone, or it is sorted straight away again.
      const back = entry.undo.find((st) => st.type === 'moved');
      const watcher = back
        ? supervisors
            .find((sv) => sv.account.id === account.id)
            ?.watchers.find((w) => w.mailbox === back.from)
        : undefined;
      const forget = watcher && entry.messageId ? watcher.expectReturn(entry.messageId) : undefined;
      try {
        await undoEntry(
          account,
          password,
          settings,
          entry,
          log.child({ account: account.id, undo: entryId }),
        );
      } catch (err) {
        forget?.();
        throw err;
      }
      const undone: ActivityEntry = {
        ...entry,
        id: `${entry.key}/${clock.now()}/undone`,
        at: clock.now(),
        result: 'undone',
        undoes: entryId,
        undo: [],
        error: undefined,
      };
      await activityLog.append([undone]);
      for (const fn of activityListeners) fn(undone);
      return undone;
    },
  };
}
