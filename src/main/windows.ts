import { BrowserWindow, session, shell } from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isSafeExternalUrl,
  secureWebPreferences,
} from './window-policy.js';

/**
 * The one app window: created hidden, shown on demand; closing hides it (the app lives in the
 * tray). Security: see window-policy.ts.
 */
export function createMainWindow(opts: {
  preload: string;
  url: string;
  isQuitting: () => boolean;
}): BrowserWindow {
  // CSP as a response header too (the page's meta tag covers file://; this covers the dev server).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );

  const win = new BrowserWindow({
    width: 960,
    height: 680,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Solon',
    autoHideMenuBar: true,
    webPreferences: {
      ...secureWebPreferences(opts.preload),
      // Stated here as well, so static checkers (electronegativity in CI) see them at the call.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, opts.url)) return;
    event.preventDefault();
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.on('close', (event) => {
    if (opts.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  void win.loadURL(opts.url);
  return win;
}
