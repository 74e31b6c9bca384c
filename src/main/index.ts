/**
 * Electron entry: the composition root, and nothing else. It creates the engine with real
 * adapters and wires the shell's pieces together; every decision lives in a pure, tested module
 * (tray-model, notification-policy, power-policy, window-policy, core/handlers, core/settings).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, nativeTheme, shell } from 'electron';
import type { ActivityEntry } from '../shared/domain/activity.js';
import type { SolonConfig } from '../shared/domain/config.js';
import { getStartAtLogin, openedAtLogin, setStartAtLogin } from './autostart.js';
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
const appUrl =
  process.env.ELECTRON_RENDERER_URL ??
  pathToFileURL(join(here, '..', 'renderer', 'index.html')).href;
const iconsDir = app.isPackaged
  ? join(process.resourcesPath, 'icons')
  : join(app.getAppPath(), 'build', 'icons');

let quitting = false;

async function main(): Promise<void> {
  const log = createFileLogger({ dir: app.getPath('logs') });
  const { status: keychain, source: secrets } = await openKeychain({ log });
  const { settings, notices } = await openAppSettings({
    saveSecret: (id, pw) => secrets.setPassword(id, pw),
    log,
  });
  for (const n of notices) log.warn('settings', { notice: n });
  if (process.platform === 'win32') app.setAppUserModelId('org.solon.mailsorter');

  // SOLON_CONFIG: run from a headless config file (development, the launch test).
  const loadEngineConfig = async (): Promise<SolonConfig | undefined> => {
    if (process.env.SOLON_CONFIG) return loadConfig(process.env.SOLON_CONFIG);
    const s = settings.get();
    return s.accounts.length ? toSolonConfig(s, join(app.getPath('userData'), 'data')) : undefined;
  };

  let engine: Engine | undefined;
  let config: SolonConfig | undefined;
  let paused = false;
  const notes = createNotificationPolicy();
  let window: BrowserWindow | undefined;
  let tray: SolonTray | undefined;
  let unsubscribe: (() => void) | undefined;
  let noteTimer: ReturnType<typeof setTimeout> | undefined;

  const openWindow = (view?: string): void => {
    window ??= createMainWindow({
      preload: join(here, '..', 'preload', 'index.cjs'),
      url: appUrl,
      isQuitting: () => quitting,
    });
    if (view)
      void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/${view}`)}`);
    window.show();
    window.focus();
  };
  const notify = (list: Notification[]): void => {
    if (settings.get().notifications.enabled === false) return;
    for (const n of list) show(n, (clicked) => openWindow(clicked.view));
  };
  const scheduleTick = (): void => {
    clearTimeout(noteTimer);
    const due = notes.nextDueAt();
    if (due !== undefined)
      noteTimer = setTimeout(
        () => (notify(notes.tick(Date.now())), scheduleTick()),
        Math.max(0, due - Date.now()),
      );
  };

  const startAtLogin = { value: await getStartAtLogin().catch(() => false) };
  const power = watchPower({
    onEvent: (e) => {
      if (e.type === 'suspend') notes.onSuspend(Date.now());
      if (e.type === 'resume') notes.onResume(Date.now());
      if (engine) powerPolicy(e);
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

  const refreshTray = (): void => {
    const model = trayModel(engine?.status() ?? [], {
      paused,
      startAtLogin: startAtLogin.value,
      now: Date.now(),
      platform: process.platform,
      darkPanel:
        process.platform === 'linux' || nativeTheme.shouldUseDarkColorsForSystemIntegratedUI,
      online: power.online(),
    });
    if (tray) tray.update(model);
    else tray = createTray({ iconsDir, initial: model, onAction, log });
  };
  setInterval(refreshTray, 60_000).unref(); // "2 min ago" goes stale

  const ruleNotifies = (e: ActivityEntry): boolean =>
    (config?.rules ?? []).some(
      (r) => e.rules.some((m) => m.id === r.id) && r.actions.some((a) => a.type === 'notify'),
    );

  async function startEngine(): Promise<void> {
    config = await loadEngineConfig();
    if (!config) return refreshTray();
    const e = createEngine({
      config,
      dataDir: config.dataDir ?? join(app.getPath('userData'), 'data'),
      log,
      keychain: secrets,
    });
    engine = e;
    unsubscribe = subscribe(
      e,
      (event, payload) =>
        broadcast(
          BrowserWindow.getAllWindows().map((w) => w.webContents),
          event,
          payload,
        ),
      log,
    );
    e.onStatus((s) => {
      notify(notes.onStatus(s, Date.now()));
      scheduleTick();
      refreshTray();
    });
    e.onActivity((entry) => notify(notes.onActivity(entry, ruleNotifies(entry))));
    await e.start();
    refreshTray();
  }
  async function stopEngine(): Promise<void> {
    unsubscribe?.();
    const e = engine;
    engine = undefined;
    await e?.stop();
  }
  /** Never a dead tray: a crash in the engine is logged and the engine started again. */
  const restartEngine = (why: string): void => {
    log.error('restarting the engine', { why });
    void stopEngine()
      .then(startEngine)
      .catch((err: unknown) => log.error('engine restart failed', { err: String(err) }));
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
        settings.update({ startAtLogin: startAtLogin.value });
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
        suspend: (r) => ((paused = true), engine?.suspend(r)),
        resume: (r) => ((paused = false), engine?.resume(r)),
        checkNow: () => engine?.checkNow(),
        recentActivity: async (n) => (engine ? engine.recentActivity(n) : []),
        undo: async (id) => {
          if (!engine) throw new Error('no account is set up yet');
          return engine.undo(id);
        },
      },
      rules: () => config?.rules ?? [],
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

  app.on('second-instance', () => openWindow());
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    power.dispose();
    // Quit flushes: the batch in hand finishes and the checkpoints are written first.
    void stopEngine().finally(() => app.quit());
  });
  app.on('window-all-closed', () => {
    // A tray app keeps running with no window open.
  });

  await startEngine();
  if (process.env.SOLON_SHOW_WINDOW || (!engine && !openedAtLogin()))
    openWindow(engine ? undefined : 'accounts');
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(main);
}
