/**
 * The desktop app's engine, kept running: built from the settings (or a headless config file),
 * started again when what it runs on changes, restarted with backoff after a crash, and paused
 * for as long as the user says — across restarts. No electron: src/main/index.ts gives it the
 * settings store and the keychain, and the window's browser tests give it the very same kinds
 * of things in a temp folder, so both run this one piece.
 *
 * Listeners registered here (onStatus, onActivity) outlive any one engine: the host moves them
 * to each new engine, so the shell subscribes once.
 */
import type { ActivityEntry } from '../../shared/domain/activity.js';
import type { Account } from '../../shared/domain/account.js';
import type { SolonConfig } from '../../shared/domain/config.js';
import type { AppSettings } from '../../shared/domain/settings.js';
import type { AccountStatus } from '../../shared/domain/status.js';
import { resolvePassword } from './config/password.js';
import { createEngine, type Engine, type EngineDeps } from './engine.js';
import type { EngineControls } from './handlers.js';
import { backoffDelay } from './imap/backoff.js';
import { silentLogger, type Logger, type SecretSource } from './ports.js';
import type { SettingsStore } from './settings/settings-store.js';
import { toSolonConfig } from './settings/validate.js';

export interface AppHostDeps {
  settings: Pick<SettingsStore, 'get' | 'onChange'>;
  /** The keychain: passwords of `{ keychain: true }` accounts. */
  secrets: SecretSource;
  /** userData/data: checkpoints, activity, caches. */
  dataDir: string;
  log?: Logger;
  /** Run from this config instead of the settings (SOLON_CONFIG: development, the launch test). */
  loadConfig?: () => Promise<SolonConfig>;
  /** Engine options the shell or a test fixes (env, noMove, clock…). */
  engineOptions?: Partial<Omit<EngineDeps, 'config' | 'dataDir' | 'log' | 'keychain'>>;
  /** Settings edits settle this long before the engine restarts on them. */
  reloadDelayMs?: number;
  /** Called whenever the host's state changes (an engine started or stopped, pause). */
  onChange?: () => void;
  /** Tests: build a stand-in engine. */
  makeEngine?: (deps: EngineDeps) => Engine;
}

export interface AppHost {
  /** Build and start the engine (nothing to start without an account: not an error). */
  start(): Promise<void>;
  /** Stop for good (quit): the batch in hand finishes, bounded to `boundMs`. */
  stop(boundMs?: number): Promise<void>;
  engine(): Engine | undefined;
  config(): SolonConfig | undefined;
  /** Why the engine is not running, when it failed to start. */
  startError(): string | undefined;
  /** The user's Pause (all accounts), kept across restarts. */
  paused(): boolean;
  /** The engine's controls as the user drives them: pause is remembered. */
  controls: EngineControls;
  /** The engine crashed: start it again, one restart at a time, with backoff. */
  restart(why: string): void;
  /** A saved account by id (the settings, else the config in force). */
  account(id: string): Account | undefined;
  /** That account's password from its source (keychain, command, env). */
  password(account: Account): Promise<string>;
  onStatus(fn: (s: AccountStatus[]) => void): () => void;
  onActivity(fn: (e: ActivityEntry) => void): () => void;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([
    p,
    new Promise<undefined>((r) => {
      setTimeout(() => r(undefined), ms).unref();
    }),
  ]);

/** What the engine runs on; a change to anything else (notifications, start at login) is not a restart. */
const engineKeys = (s: AppSettings): string =>
  JSON.stringify([s.accounts, s.rules, s.categories, s.engine, s.llm]);

export function createAppHost(deps: AppHostDeps): AppHost {
  const log = deps.log ?? silentLogger;
  let engine: Engine | undefined;
  let config: SolonConfig | undefined;
  let startError: string | undefined;
  let paused = false;
  /** Accounts the user paused one by one (kept across restarts, like the global pause). */
  const pausedAccounts = new Set<string>();
  let stopped = false;
  let offs: (() => void)[] = [];
  const statusListeners = new Set<(s: AccountStatus[]) => void>();
  const activityListeners = new Set<(e: ActivityEntry) => void>();
  const changed = (): void => {
    try {
      deps.onChange?.();
    } catch (err) {
      log.warn('host listener', { err: String(err) });
    }
  };

  /** Listeners run inside the engine's recording step: they must never throw into it. */
  function fanOut<T>(set: Set<(x: T) => void>, what: string) {
    return (x: T): void => {
      for (const fn of set)
        try {
          fn(x);
        } catch (err) {
          log.warn(what, { err: String(err) });
        }
    };
  }

  async function loadConfig(): Promise<SolonConfig | undefined> {
    if (deps.loadConfig) return deps.loadConfig();
    const s = deps.settings.get();
    return s.accounts.length ? toSolonConfig(s, deps.dataDir) : undefined;
  }

  async function startEngine(): Promise<void> {
    try {
      config = await loadConfig();
      if (!config) {
        startError = undefined;
        return;
      }
      const e = (deps.makeEngine ?? createEngine)({
        ...deps.engineOptions,
        config,
        dataDir: config.dataDir ?? deps.dataDir,
        log,
        keychain: deps.secrets,
      });
      offs = [
        e.onStatus(fanOut(statusListeners, 'status listener')),
        e.onActivity(fanOut(activityListeners, 'activity listener')),
      ];
      await e.start();
      engine = e;
      startError = undefined;
      // A restart keeps the user's Pause.
      if (paused) e.suspend('paused');
      for (const id of pausedAccounts) e.suspend('paused', id);
      fanOut(statusListeners, 'status listener')(e.status());
    } catch (err) {
      startError = (err as Error).message;
      log.error('engine did not start', { err: startError });
      for (const off of offs) off();
      offs = [];
    } finally {
      changed();
    }
  }

  async function stopEngine(boundMs = 5_000): Promise<void> {
    for (const off of offs) off();
    offs = [];
    const e = engine;
    engine = undefined;
    // Quit must not hang on a dead network: the batch in hand gets a few seconds to flush.
    await withTimeout(
      (e?.stop() ?? Promise.resolve()).catch((err: unknown) =>
        log.warn('engine stop', { err: String(err) }),
      ),
      boundMs,
    );
    if (e) {
      fanOut(statusListeners, 'status listener')([]);
      changed();
    }
  }

  /** One stop-then-start at a time: a reload and a crash restart never interleave. */
  let cycling: Promise<void> | undefined;
  const cycle = (wait: number, why: string): void => {
    if (stopped || cycling) return;
    cycling = new Promise<void>((r) => setTimeout(r, wait))
      .then(() => stopEngine())
      .then(() => (stopped ? undefined : startEngine()))
      .catch((err: unknown) => log.error(`engine ${why} failed`, { err: String(err) }))
      .finally(() => (cycling = undefined));
  };

  let restarts = 0;
  let lastRestartAt = 0;
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const offSettings = deps.settings.onChange((next, prev) => {
    if (deps.loadConfig || engineKeys(next) === engineKeys(prev)) return;
    // Accounts that are gone take their one-by-one pause with them.
    for (const id of pausedAccounts)
      if (!next.accounts.some((a) => a.id === id)) pausedAccounts.delete(id);
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (cycling) {
        // A restart is under way on the old settings: reload once it is done.
        void cycling.then(() => cycle(0, 'reload'));
        return;
      }
      cycle(0, 'reload');
    }, deps.reloadDelayMs ?? 500);
  });

  const host: AppHost = {
    start: startEngine,
    async stop(boundMs) {
      stopped = true;
      clearTimeout(reloadTimer);
      offSettings();
      await cycling;
      await stopEngine(boundMs);
    },
    engine: () => engine,
    config: () => config,
    startError: () => startError,
    paused: () => paused,
    restart(why) {
      log.error('restarting the engine', { why });
      if (Date.now() - lastRestartAt > 10 * 60_000) restarts = 0;
      const wait = backoffDelay(restarts++, { baseMs: 1_000, capMs: 5 * 60_000 });
      lastRestartAt = Date.now();
      cycle(wait, 'restart');
    },
    controls: {
      status: () => engine?.status() ?? [],
      suspend(reason, accountId) {
        if (accountId === undefined) paused = true;
        else pausedAccounts.add(accountId);
        engine?.suspend(reason, accountId);
        changed();
      },
      resume(reason, accountId) {
        if (accountId === undefined) {
          paused = false;
          pausedAccounts.clear();
        } else pausedAccounts.delete(accountId);
        engine?.resume(reason, accountId);
        changed();
      },
      checkNow: (accountId) => engine?.checkNow(accountId),
      recentActivity: async (n) => (engine ? engine.recentActivity(n) : []),
      async undo(id) {
        if (!engine) throw new Error('Solon is not running: no account is set up yet');
        return engine.undo(id);
      },
    },
    account(id) {
      // The settings first: an account saved a moment ago is there before the engine reloads.
      return (
        deps.settings.get().accounts.find((a) => a.id === id) ??
        config?.accounts.find((a) => a.id === id)
      );
    },
    password: (account) => resolvePassword(account, deps.secrets, deps.engineOptions?.env),
    onStatus(fn) {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
    onActivity(fn) {
      activityListeners.add(fn);
      return () => activityListeners.delete(fn);
    },
  };
  return host;
}
