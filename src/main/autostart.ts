/**
 * Start at login: app.setLoginItemSettings on macOS and Windows (Electron has no Linux
 * implementation), an XDG autostart .desktop file on Linux. The settings' `startAtLogin` is the
 * user's choice; the OS state is the truth (the user can remove the login item in the system's
 * settings), so the tray's checkbox reads getStartAtLogin().
 */
import { app } from 'electron';
import { desktopEntry, linuxLaunchCommand } from './core/autostart/desktop-entry.js';
import { isLinuxAutostart, setLinuxAutostart } from './core/autostart/linux-autostart.js';
import { HIDDEN_ARG, loginItemQuery, loginItemSettings } from './core/autostart/login-item.js';

export { HIDDEN_ARG };

/** Turn start-at-login on or off for this installation. */
export async function setStartAtLogin(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') {
    if (!enabled) return setLinuxAutostart(false, {});
    const cmd = linuxLaunchCommand({
      execPath: process.execPath,
      // Set by the AppImage runtime to the image file, which outlives this run's mount.
      appImage: process.env.APPIMAGE,
      isPackaged: app.isPackaged,
      appPath: app.getAppPath(),
      hiddenArg: HIDDEN_ARG,
    });
    return setLinuxAutostart(true, {
      entry: desktopEntry({ ...cmd, name: 'Solon', comment: 'Keeps your mail sorted' }),
    });
  }
  app.setLoginItemSettings(loginItemSettings(enabled, process.platform, process.execPath));
  return Promise.resolve();
}

/** Will the OS start Solon at the next login? */
export async function getStartAtLogin(): Promise<boolean> {
  if (process.platform === 'linux') return isLinuxAutostart();
  return Promise.resolve(
    app.getLoginItemSettings(loginItemQuery(process.platform, process.execPath)).openAtLogin,
  );
}

/** Was this run started by the session at login (so: stay in the tray, open no window)? */
export function openedAtLogin(argv: readonly string[] = process.argv): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
}
