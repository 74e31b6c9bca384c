/**
 * The only user of ipcMain. For every channel of the contract (src/shared/contract.ts):
 * check the sender frame, then dispatch (zod-parse args, call the core handler, answer a Wire
 * envelope with a coded error). Pushed events go out through `broadcast`.
 *
 * ipcMain is a parameter (type-only import) so the unit tests drive this with a fake.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import {
  ErrorCode,
  invokeChannels,
  solonError,
  type EventName,
  type Handlers,
  type PayloadOf,
  type Wire,
} from '../shared/contract.js';
import { dispatch } from './core/handlers.js';
import type { Logger } from './core/ports.js';

/**
 * May a frame at `frameUrl` call the app's IPC? Only the app's own page: with a file:// app,
 * the very same file (any query or #fragment); with the dev server, its origin. Everything else
 * — other file:// paths, about:blank, data:, blob:, a page navigated elsewhere, garbage — is
 * refused. `appUrl` is what the window loads (the index.html file URL, or the dev server URL).
 */
export function isTrustedSender(frameUrl: string, appUrl: string): boolean {
  let frame: URL;
  let app: URL;
  try {
    frame = new URL(frameUrl);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (frame.protocol !== app.protocol) return false;
  switch (app.protocol) {
    case 'file:':
      // file: origins are opaque ("null"), so compare the file itself.
      return frame.host === app.host && frame.pathname === app.pathname;
    case 'http:':
    case 'https:':
      return frame.origin === app.origin;
    default:
      return false;
  }
}

/**
 * The sender check registerIpc wants, for a window loading `appUrl`: the frame still exists,
 * is a top-level frame (the page embeds none; CSP forbids it) and is the app's own page.
 */
export function trustedFrame(appUrl: string): (frame: WebFrameMain | null) => boolean {
  return (frame) => frame !== null && frame.parent === null && isTrustedSender(frame.url, appUrl);
}

export interface RegisterIpcOptions {
  /** Electron's ipcMain (or a fake with the same two methods). */
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** The core handlers (src/main/core/handlers.ts createHandlers). */
  handlers: Handlers;
  /** Is this frame allowed to call? Usually `trustedFrame(appUrl)`. Checked before anything else. */
  isTrustedSender: (frame: WebFrameMain | null) => boolean;
  /** Check results against the contract (dev/tests). Default: on unless NODE_ENV=production. */
  validateResults?: boolean;
  /** Refused senders and handler failures are logged here. */
  log?: Logger;
}

/**
 * Registers one ipcMain.handle per contract channel. The sender is checked first — an untrusted
 * frame gets FORBIDDEN_SENDER and its payload is never parsed. Returns the function that
 * removes every handler again.
 */
export function registerIpc(opts: RegisterIpcOptions): () => void {
  const { ipcMain, handlers, isTrustedSender: trusted, log } = opts;
  for (const channel of invokeChannels) {
    ipcMain.handle(
      channel,
      async (event: IpcMainInvokeEvent, raw: unknown): Promise<Wire<unknown>> => {
        if (!trusted(event.senderFrame)) {
          log?.warn('ipc call refused: untrusted sender', {
            channel,
            url: event.senderFrame?.url ?? '(no frame)',
          });
          return {
            ok: false,
            error: solonError(
              ErrorCode.FORBIDDEN_SENDER,
              `${channel}: caller is not Solon's own page`,
            ),
          };
        }
        return dispatch(handlers, channel, raw, { validateResults: opts.validateResults, log });
      },
    );
  }
  return () => {
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
  };
}

/** Sends one contract event to every live window (destroyed ones are skipped). */
export function broadcast<E extends EventName>(
  targets: readonly Pick<WebContents, 'send' | 'isDestroyed'>[],
  event: E,
  payload: PayloadOf<E>,
): void {
  for (const wc of targets) {
    if (!wc.isDestroyed()) wc.send(event, payload);
  }
}

/**
 * registerIpc on Electron's own ipcMain: what the composition root calls, so ipcMain is touched
 * here only. Loaded lazily, so tests that import this file never load the electron package.
 */
export async function registerAppIpc(
  opts: Omit<RegisterIpcOptions, 'ipcMain'>,
): Promise<() => void> {
  const { ipcMain } = await import('electron');
  return registerIpc({ ...opts, ipcMain });
}
