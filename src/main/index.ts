/**
 * Electron entry: the composition root, and nothing else. It creates the engine with real
 * adapters and wires the shell's pieces together; every decision lives in a pure, tested module
 * (tray-model, notification-policy, power-policy, window-policy, core/handlers, core/settings).
 * Rule of this file: whatever fails, the tray stays up and says so.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, nativeTheme, shell } from 'electron';
import type { ActivityEntry } from '../shared/domain/activity.js';
import type { SolonConfig } from '../shared/domain/config.js';
import type { AppSettings } from '../shared/domain/settings.js';
import { getStartAtLogin, openedAtLogin, setStartAtLogin } from './autostart.js';
import { backoffDelay } from './core/imap/backoff.js';
import { loadConfig } from './core/config/load-config.js';
import { createEngine, type Engine } from './core/engine.js';
import { createHandlers, subscribe } from './core/handlers.js';
import { createFileLogger } from './core/log/file-logger.js';
import { toSolonConfig } from './core/settings/validate.js';
import { broadcast, registerAppIpc, trustedFrame } from './ipc.js';
import { createNotificationPolicy, type Notification } from './notification-policy.js';
import { show } from './notifications.js';
import { watchPower } from './power.js';
import { createPowerPolicy } from './power-policy.js';
import { openKeychain } from './secrets.js';
import { openAppSettings } from './settings.js';
import { createTray, type SolonTray } from './tray.js';
import { trayModel, type TrayAction } from './tray-model.js';
import { isSafeExternalUrl } from './window-policy.js';
import { createMainWindow } from './windows.js';

if (process.env.SOLON_USER_DATA) app.setPath('userData', process.env.SOLON_USER_DATA);

const here = import.meta.dirname;
// The dev server only in development: a packaged app never trusts a URL from the environment.
const appUrl =
  !app.isPackaged && process.env.ELECTRON_RENDERER_URL
    ? process.env.ELECTRON_RENDERER_URL
    : pathToFileURL(join(here, '..', 'renderer', 'index.html')).href;
const iconsDir = app.isPackaged
  ? join(process.resourcesPath, 'icons')
  : join(app.getAppPath(), 'build', 'icons');

let quitting = false;
let window: BrowserWindow | undefined;
/** Set once main() is far enough to open windows; earlier requests are remembered. */
let openWindow: (view?: string) => void = (view) => (pendingOpen = view ?? '');
let pendingOpen: string | undefined;

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

async function main(): Promise<void> {
  const log = createFileLogger({ dir: app.getPath('logs') });
  if (process.platform === 'win32') app.setAppUserModelId('org.solon.mailsorter');

  let engine: Engine | undefined;
  let config: SolonConfig | undefined;
  let paused = false;
  let startError: string | undefined;
  const notes = createNotificationPolicy();
  let tray: SolonTray | undefined;
  let offs: (() => void)[] = [];
  let noteTimer: ReturnType<typeof setTimeout> | undefined;
  const startAtLogin = { value: await getStartAtLogin().catch(() => false) };

  openWindow = (view?: string): void => {
    if (!window || window.isDestroyed()) {
      window = createMainWindow({
        preload: join(here, '..', 'preload', 'index.cjs'),
        url: view ? `${appUrl}#/${view}` : appUrl,
        isQuitting: () => quitting,
      });
      window.on('closed', () => (window = undefined));
      window.webContents.on('render-process-gone', () => window?.destroy());
    } else if (view) {
      window.webContents
        .executeJavaScript(`location.hash = ${JSON.stringify(`#/${view}`)}`)
        .catch((err: unknown) => log.warn('open view', { err: String(err) }));
    }
    window.show();
    window.focus();
  };
  if (pendingOpen !== undefined) openWindow(pendingOpen || undefined);

  const power = watchPower({
    onEvent: (e) => {
      if (e.type === 'suspend') notes.onSuspend(Date.now());
      if (e.type === 'resume') notes.onResume(Date.now());
      if (engine) powerPolicy(e);
      refreshTray();
    },
  });
  const powerPolicy = createPowerPolicy(
    {
      suspend: (r) => engine?.suspend(r),
      resume: (r) => engine?.resume(r),
      probe: async () => engine?.probe(),
    },
    { isPaused: () => paused, onError: (err) => log.warn('power', { err: String(err) }) },
  );

  function refreshTray(): void {
    try {
      const statuses = engine?.status() ?? [];
      const model = trayModel(statuses, {
        paused,
        startAtLogin: startAtLogin.value,
        now: Date.now(),
        platform: process.platform,
        darkPanel:
          process.platform === 'linux' || nativeTheme.shouldUseDarkColorsForSystemIntegratedUI,
        online: power.online(),
      });
      if (startError && !engine) model.tooltip = `Solon: ${startError}`.slice(0, 127);
      if (tray) tray.update(model);
      else tray = createTray({ iconsDir, initial: model, onAction, log });
    } catch (err) {
      log.error('tray update failed', { err: String(err) });
    }
  }
  // The tray comes first: whatever happens next, the user sees Solon and its state.
  refreshTray();
  setInterval(refreshTray, 60_000).unref(); // "2 min ago" goes stale
  nativeTheme.on('updated', refreshTray);

  const { status: keychain, source: secrets } = await openKeychain({ log });
  const { settings, notices } = await openAppSettings({
    saveSecret: (id, pw) => secrets.setPassword(id, pw),
    log,
  });
  for (const n of notices) log.warn('settings', { notice: n });

  // SOLON_CONFIG: run from a headless config file (development, the launch test).
  const loadEngineConfig = async (): Promise<SolonConfig | undefined> => {
    if (process.env.SOLON_CONFIG) return loadConfig(process.env.SOLON_CONFIG);
    const s = settings.get();
    return s.accounts.length ? toSolonConfig(s, join(app.getPath('userData'), 'data')) : undefined;
  };
  const notify = (list: Notification[]): void => {
    if (settings.get().notifications.enabled === false) return;
    for (const n of list) show(n, (clicked) => openWindow(clicked.view));
  };
  const scheduleTick = (): void => {
    clearTimeout(noteTimer);
    const due = notes.nextDueAt();
    if (due === undefined) return;
    noteTimer = setTimeout(
      () => {
        notify(notes.tick(Date.now()));
        scheduleTick();
      },
      Math.max(0, due - Date.now()),
    );
  };
  const ruleNotifies = (e: ActivityEntry): boolean =>
    (config?.rules ?? []).some(
      (r) => e.rules.some((m) => m.id === r.id) && r.actions.some((a) => a.type === 'notify'),
    );
  /** Shell listeners run inside the engine's recording step: they must never throw into it. */
  const guarded =
    <A extends unknown[]>(what: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        log.warn(what, { err: String(err) });
      }
    };

  async function startEngine(): Promise<void> {
    try {
      config = await loadEngineConfig();
      if (!config) return;
      const e = createEngine({
        config,
        dataDir: config.dataDir ?? join(app.getPath('userData'), 'data'),
        log,
        keychain: secrets,
      });
      offs = [
        subscribe(
          e,
          (event, payload) =>
            broadcast(
              BrowserWindow.getAllWindows().map((w) => w.webContents),
              event,
              payload,
            ),
          log,
        ),
        e.onStatus(
          guarded('status', (s) => {
            notify(notes.onStatus(s, Date.now()));
            scheduleTick();
            refreshTray();
          }),
        ),
        e.onActivity(
          guarded('activity', (entry) => notify(notes.onActivity(entry, ruleNotifies(entry)))),
        ),
      ];
      await e.start();
      engine = e;
      startError = undefined;
      // A restart keeps the user's Pause.
      if (paused) e.suspend('paused');
    } catch (err) {
      startError = (err as Error).message;
      log.error('engine did not start', { err: startError });
      for (const off of offs) off();
      offs = [];
    } finally {
      refreshTray();
    }
  }
  async function stopEngine(): Promise<void> {
    for (const off of offs) off();
    offs = [];
    const e = engine;
    engine = undefined;
    // Quit must not hang on a dead network: the batch in hand gets a few seconds to flush.
    await withTimeout(
      (e?.stop() ?? Promise.resolve()).catch((err: unknown) =>
        log.warn('engine stop', { err: String(err) }),
      ),
      5_000,
    );
  }

  /**
   * Never a dead tray: a crash is logged and the engine started again — one restart at a time,
   * with backoff (an error that recurs on every connect must not become a login storm), and
   * never while quitting.
   */
  let restarting: Promise<void> | undefined;
  let restarts = 0;
  let lastRestartAt = 0;
  const restartEngine = (why: string): void => {
    log.error('restarting the engine', { why });
    if (quitting || restarting) return;
    if (Date.now() - lastRestartAt > 10 * 60_000) restarts = 0;
    const wait = backoffDelay(restarts++, { baseMs: 1_000, capMs: 5 * 60_000 });
    lastRestartAt = Date.now();
    restarting = new Promise<void>((r) => setTimeout(r, wait))
      .then(stopEngine)
      .then(() => (quitting ? undefined : startEngine()))
      .catch((err: unknown) => log.error('engine restart failed', { err: String(err) }))
      .finally(() => (restarting = undefined));
  };
  process.on('uncaughtException', (err) => restartEngine(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => restartEngine(`unhandled rejection: ${String(err)}`));

  function onAction(id: TrayAction, checked?: boolean): void {
    switch (id) {
      case 'pause':
        paused = true;
        engine?.suspend('paused');
        break;
      case 'resume':
        paused = false;
        engine?.resume('resumed');
        break;
      case 'check-now':
        engine?.checkNow();
        break;
      case 'open':
        openWindow();
        break;
      case 'rules':
        openWindow('rules');
        break;
      case 'activity':
        openWindow('activity');
        break;
      case 'start-at-login':
        startAtLogin.value = checked ?? !startAtLogin.value;
        void setStartAtLogin(startAtLogin.value).catch((err: unknown) =>
          log.warn('start at login', { err: String(err) }),
        );
        try {
          settings.update({ startAtLogin: startAtLogin.value });
        } catch (err) {
          log.warn('settings', { err: String(err) });
        }
        break;
      case 'quit':
        app.quit();
        return;
      default: {
        const never: never = id;
        log.warn('unknown tray action', { id: String(never) });
      }
    }
    refreshTray();
  }

  await registerAppIpc({
    isTrustedSender: trustedFrame(appUrl),
    log,
    handlers: createHandlers({
      engine: {
        status: () => engine?.status() ?? [],
        suspend: (r) => {
          paused = true;
          engine?.suspend(r);
        },
        resume: (r) => {
          paused = false;
          engine?.resume(r);
        },
        checkNow: () => engine?.checkNow(),
        recentActivity: async (n) => (engine ? engine.recentActivity(n) : []),
        undo: async (id) => {
          if (!engine) throw new Error('no account is set up yet');
          return engine.undo(id);
        },
      },
      rules: () => config?.rules ?? [],
      settings,
      setPassword: async (id, pw) => {
        await secrets.setPassword(id, pw);
        engine?.resume('password changed'); // try the new password at once
      },
      appInfo: () => ({
        version: app.getVersion(),
        platform: process.platform,
        secretsBackend: keychain.backend,
      }),
      openExternal: async (url) => {
        if (isSafeExternalUrl(url)) await shell.openExternal(url);
      },
    }),
  });

  // What the engine runs on changed (accounts, rules, categories, timings): start it again on
  // the new settings, once the edits settle. Not a crash: no backoff.
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const engineKeys = (x: AppSettings): string =>
    JSON.stringify([x.accounts, x.rules, x.categories, x.engine]);
  settings.onChange((next, prev) => {
    if (process.env.SOLON_CONFIG || engineKeys(next) === engineKeys(prev)) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (quitting || restarting) return;
      restarting = stopEngine()
        .then(startEngine)
        .catch((err: unknown) => log.error('engine reload failed', { err: String(err) }))
        .finally(() => (restarting = undefined));
    }, 500);
  });

  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    power.dispose();
    clearTimeout(noteTimer);
    // Quit flushes: the batch in hand finishes and the checkpoints are written first.
    void stopEngine().finally(() => app.quit());
  });

  await startEngine();
  if (process.env.SOLON_SHOW_WINDOW || (!engine && !openedAtLogin()))
    openWindow(engine ? undefined : 'accounts');
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Registered first, so a second launch during start-up is not lost.
  app.on('second-instance', () => openWindow());
  app.on('activate', () => openWindow()); // macOS: opened again from Finder or Spotlight
  app.on('window-all-closed', () => {
    // A tray app keeps running with no window open.
  });
  void app
    .whenReady()
    .then(main)
    .catch((err: unknown) => {
      dialog.showErrorBox('Solon could not start', String((err as Error)?.stack ?? err));
      app.exit(1);
    });
}
