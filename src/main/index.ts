/**
 * Electron entry: the composition root of the tray app. For now (issue 2) it only proves the
 * shell can host the engine: it loads the headless config named by SOLON_CONFIG, runs the
 * engine, and maps the OS's sleep/wake to suspend()/resume(). Tray, windows, IPC and settings
 * come with the desktop-app issue; their logic will live in pure functions beside this file.
 */
import { app, powerMonitor } from 'electron';
import { defaultDataDir, loadConfig } from './core/config/load-config.js';
import { createEngine, type Engine } from './core/engine.js';
import { createStreamLogger } from './core/log/console-logger.js';

let engine: Engine | undefined;

async function boot(): Promise<void> {
  const log = createStreamLogger({ format: 'text' });
  const file = process.env.SOLON_CONFIG;
  if (!file) {
    log.warn('SOLON_CONFIG is not set: nothing to watch yet');
    return;
  }
  const config = await loadConfig(file);
  engine = createEngine({ config, dataDir: config.dataDir ?? defaultDataDir(), log });
  await engine.start();
  powerMonitor.on('suspend', () => engine?.suspend('the computer is going to sleep'));
  powerMonitor.on('resume', () => engine?.resume('woke up'));
  powerMonitor.on('unlock-screen', () => void engine?.probe());
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('window-all-closed', () => {
    // A tray app keeps running with no window open.
  });
  app.on('before-quit', (event) => {
    if (!engine) return;
    event.preventDefault();
    const e = engine;
    engine = undefined;
    void e.stop().finally(() => app.quit());
  });
  void app.whenReady().then(boot);
}
