/** The argument a login start passes, so Solon comes up in the tray without a window. */
export const HIDDEN_ARG = '--hidden';

/**
 * app.setLoginItemSettings() for macOS and Windows (plain data, so it is testable without
 * Electron).
 *  - Windows: a Run-key entry for this executable with `--hidden`. The same path and args must
 *    be given to getLoginItemSettings(), or it does not recognise the entry (Electron docs).
 *  - macOS: SMAppService's main-app login item. No args there, and `openAsHidden` is gone from
 *    Electron 45's types (Apple dropped it in macOS 13): a login start is told apart with
 *    getLoginItemSettings().wasOpenedAtLogin instead.
 */
export function loginItemSettings(
  enabled: boolean,
  platform: NodeJS.Platform | (string & {}),
  execPath: string,
): { openAtLogin: boolean; path?: string; args?: string[] } {
  if (platform === 'win32') return { openAtLogin: enabled, path: execPath, args: [HIDDEN_ARG] };
  return { openAtLogin: enabled };
}

/** The query that matches what loginItemSettings() registered. */
export function loginItemQuery(
  platform: NodeJS.Platform | (string & {}),
  execPath: string,
): { path?: string; args?: string[] } {
  return platform === 'win32' ? { path: execPath, args: [HIDDEN_ARG] } : {};
}
