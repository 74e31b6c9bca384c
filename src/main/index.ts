/**
 * Electron entry: the composition root, and nothing else. It creates the engine with real
 * adapters and wires the shell's pieces together; every decision lives in a pure, tested module
 * (tray-model, notification-policy, power-policy, window-policy, core/handlers, core/settings).
 * Rule of this file: whatever fails, the tray stays up and says so.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, nativeTheme, shell } from 'electron';
import type { ActivityEntry } from '../shared/domain/activity.js';
import type { Emit } from '../shared/contract.js';
import { EngineSettings } from '../shared/domain/config.js';
import { getStartAtLogin, openedAtLogin, setStartAtLogin } from './autostart.js';
import { createAppHost, type AppHost } from './core/app-host.js';
import { loadConfig } from './core/config/load-config.js';
import { createHandlers, subscribe } from './core/handlers.js';
import { createFileLogger } from './core/log/file-logger.js';
import { createLlmWindow } from './core/llm-window.js';
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
/** The engine, kept running (core/app-host.ts); set once settings and secrets are open. */
let host: AppHost | undefined;
let window: BrowserWindow | undefined;
/** Set once main() is far enough to open windows; earlier requests are remembered. */
let openWindow: (view?: string) => void = (view) => (pendingOpen = view ?? '');
let pendingOpen: string | undefined;

async function main(): Promise<void> {
  const log = createFileLogger({ dir: app.getPath('logs') });
  if (process.platform === 'win32') app.setAppUserModelId('org.solon.mailsorter');

  const notes = createNotificationPolicy();
  let tray: SolonTray | undefined;
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
      if (host?.engine()) powerPolicy(e);
      refreshTray();
    },
  });
  const powerPolicy = createPowerPolicy(
    {
      suspend: (r) => host?.engine()?.suspend(r),
      resume: (r) => host?.engine()?.resume(r),
      probe: async () => host?.engine()?.probe(),
    },
    {
      isPaused: () => host?.paused() ?? false,
      onError: (err) => log.warn('power', { err: String(err) }),
    },
  );

  function refreshTray(): void {
    try {
      const statuses = host?.controls.status() ?? [];
      const model = trayModel(statuses, {
        paused: host?.paused() ?? false,
        startAtLogin: startAtLogin.value,
        now: Date.now(),
        platform: process.platform,
        darkPanel:
          process.platform === 'linux' || nativeTheme.shouldUseDarkColorsForSystemIntegratedUI,
        online: power.online(),
      });
      const startError = host?.startError();
      if (startError && !host?.engine()) model.tooltip = `Solon: ${startError}`.slice(0, 127);
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
    (host?.config()?.rules ?? []).some(
      (r) => e.rules.some((m) => m.id === r.id) && r.actions.some((a) => a.type === 'notify'),
    );
  const dataDir = join(app.getPath('userData'), 'data');
  host = createAppHost({
    settings,
    secrets,
    dataDir,
    log,
    // SOLON_CONFIG: run from a headless config file (development, the launch test).
    loadConfig: process.env.SOLON_CONFIG
      ? () => loadConfig(process.env.SOLON_CONFIG as string)
      : undefined,
    onChange: refreshTray,
  });
  // Never a dead tray: a crash is logged and the engine started again, with backoff.
  process.on('uncaughtException', (err) => {
    if (!quitting) host?.restart(`uncaught: ${err.stack ?? err.message}`);
  });
  process.on('unhandledRejection', (err) => {
    if (!quitting) host?.restart(`unhandled rejection: ${String(err)}`);
  });
  host.onStatus((s) => {
    notify(notes.onStatus(s, Date.now()));
    scheduleTick();
    refreshTray();
  });
  host.onActivity((entry) => notify(notes.onActivity(entry, ruleNotifies(entry))));
  const windows = (): Electron.WebContents[] =>
    BrowserWindow.getAllWindows().map((w) => w.webContents);
  const emit: Emit = (event, payload) => broadcast(windows(), event, payload);
  subscribe(host, emit, log);
  // The window's "Start at login" switch: the OS login item follows the setting.
  settings.onChange((next) => {
    if (next.startAtLogin === startAtLogin.value) return;
    startAtLogin.value = next.startAtLogin;
    void setStartAtLogin(next.startAtLogin).catch((err: unknown) =>
      log.warn('start at login', { err: String(err) }),
    );
    refreshTray();
  });

  function onAction(id: TrayAction, checked?: boolean): void {
    switch (id) {
      case 'pause':
        host?.controls.suspend('paused');
        break;
      case 'resume':
        host?.controls.resume('resumed');
        break;
      case 'check-now':
        host?.controls.checkNow();
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
      engine: host.controls,
      emit,
      rules: () => host?.config()?.rules ?? settings.get().rules,
      settings,
      setPassword: async (id, pw) => {
        await secrets.setPassword(id, pw);
        // Try the new password at once (an account not running yet starts on the next reload).
        if (
          host
            ?.engine()
            ?.status()
            .some((a) => a.accountId === id)
        )
          host.controls.resume('password changed', id);
      },
      forgetPassword: (id) => secrets.deletePassword(id),
      tools: {
        account: (id) => host?.account(id),
        password: (account) => (host as AppHost).password(account),
        engineSettings: () => host?.config()?.engine ?? EngineSettings.parse(settings.get().engine),
        categories: () => host?.config()?.categories ?? settings.get().categories,
        log: log.child({ tool: 'window' }),
      },
      appInfo: () => ({
        version: app.getVersion(),
        platform: process.platform,
        secretsBackend: keychain.backend,
        dataDir,
      }),
      files: {
        async saveAs(name, contents) {
          const parent = window && !window.isDestroyed() ? window : undefined;
          const options = {
            defaultPath: join(app.getPath('documents'), name),
            filters: [{ name: 'JSON', extensions: ['json'] }],
          };
          const r = parent
            ? await dialog.showSaveDialog(parent, options)
            : await dialog.showSaveDialog(options);
          if (r.canceled || !r.filePath) return undefined;
          await writeFile(r.filePath, contents, { mode: 0o600 });
          return r.filePath;
        },
        async open() {
          const parent = window && !window.isDestroyed() ? window : undefined;
          const options = {
            properties: ['openFile' as const],
            filters: [{ name: 'JSON', extensions: ['json'] }],
          };
          const r = parent
            ? await dialog.showOpenDialog(parent, options)
            : await dialog.showOpenDialog(options);
          const path = r.canceled ? undefined : r.filePaths[0];
          if (!path) return undefined;
          // A rules file is small; anything huge is not one.
          if ((await stat(path)).size > 5 * 1024 * 1024)
            throw new Error(`${path} is over 5 MB: not a rules file`);
          return { path, contents: await readFile(path, 'utf8') };
        },
      },
      llm: createLlmWindow({
        settings: () => settings.get().llm,
        secrets,
        saveApiKeySource: (apiKey) => settings.update({ llm: { apiKey } }),
      }),
      openDataFolder: async () => {
        const failed = await shell.openPath(dataDir);
        if (failed) throw new Error(failed);
      },
      openExternal: async (url) => {
        if (isSafeExternalUrl(url)) await shell.openExternal(url);
      },
    }),
  });

  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    power.dispose();
    clearTimeout(noteTimer);
    // Quit flushes: the batch in hand finishes and the checkpoints are written first.
    void (host?.stop(5_000) ?? Promise.resolve()).finally(() => app.quit());
  });

  await host.start();
  const running = host.engine() !== undefined;
  if (process.env.SOLON_SHOW_WINDOW || (!running && !openedAtLogin()))
    openWindow(running ? undefined : 'accounts');
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
