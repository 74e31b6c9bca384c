import { isExternalUrl } from '../shared/contract.js';

/**
 * The window's security settings, as plain data so they are unit-tested and the same everywhere
 * (Electron's security checklist; electronegativity runs over the build in CI).
 */

/** Content-Security-Policy for the renderer: nothing but our own files, no inline script. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** webPreferences for every window Solon opens. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

/**
 * Links the renderer may open in the user's browser: http(s) only, no credentials in the URL —
 * the same test the contract applies to app.openExternal.
 */
export const isSafeExternalUrl = isExternalUrl;

/**
 * May the window navigate to `target`? Only to the app's own page (a reload); anything else is
 * blocked (and an http(s) link is offered to the browser instead).
 */
export function isAllowedNavigation(target: string, appUrl: string): boolean {
  try {
    const t = new URL(target);
    const a = new URL(appUrl);
    return t.origin === a.origin && t.pathname === a.pathname;
  } catch {
    return false;
  }
}
