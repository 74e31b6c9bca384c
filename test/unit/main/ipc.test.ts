import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/main/core/handlers.js';
import { broadcast, isTrustedSender, registerIpc, trustedFrame } from '../../../src/main/ipc.js';
import { invokeChannels, type Wire } from '../../../src/shared/contract.js';
import type { AccountStatus } from '../../../src/shared/domain/status.js';

const FILE_APP = 'file:///opt/Solon/resources/app.asar/out/renderer/index.html';
const DEV_APP = 'http://localhost:5173/';

describe('isTrustedSender', () => {
  it.each<[string, string, boolean]>([
    // the app's own file
    [FILE_APP, FILE_APP, true],
    [`${FILE_APP}#/activity`, FILE_APP, true],
    [`${FILE_APP}?view=rules`, FILE_APP, true],
    ['file:///opt/Solon/resources/app.asar/out/renderer/../renderer/index.html', FILE_APP, true],
    // other files
    ['file:///opt/Solon/resources/app.asar/out/renderer/other.html', FILE_APP, false],
    ['file:///tmp/index.html', FILE_APP, false],
    ['file:///opt/Solon/resources/app.asar/out/renderer/index.html.evil', FILE_APP, false],
    ['file://evil-host/opt/Solon/resources/app.asar/out/renderer/index.html', FILE_APP, false],
    ['file:///etc/passwd', FILE_APP, false],
    // not files at all
    ['about:blank', FILE_APP, false],
    ['about:srcdoc', FILE_APP, false],
    ['data:text/html,<script>1</script>', FILE_APP, false],
    ['https://example.org/index.html', FILE_APP, false],
    ['', FILE_APP, false],
    ['not a url', FILE_APP, false],
    // the dev server
    ['http://localhost:5173/', DEV_APP, true],
    ['http://localhost:5173/index.html#/rules', DEV_APP, true],
    ['http://localhost:5174/', DEV_APP, false],
    ['https://localhost:5173/', DEV_APP, false],
    ['http://127.0.0.1:5173/', DEV_APP, false],
    ['http://localhost.evil.com:5173/', DEV_APP, false],
    ['blob:http://localhost:5173/0d9e1b9c-aaaa-bbbb-cccc-123456789abc', DEV_APP, false],
    ['about:blank', DEV_APP, false],
    [FILE_APP, DEV_APP, false],
    // a broken or exotic app URL trusts nobody
    [FILE_APP, 'not a url', false],
    ['about:blank', 'about:blank', false],
    ['chrome-error://chromewebdata/', 'chrome-error://chromewebdata/', false],
  ])('%s from app %s → %s', (frame, app, expected) => {
    expect(isTrustedSender(frame, app)).toBe(expected);
  });
});

function frame(url: string, parent: unknown = null): WebFrameMain {
  return { url, parent } as unknown as WebFrameMain;
}

describe('trustedFrame', () => {
  const check = trustedFrame(FILE_APP);
  it('accepts the app page as a top-level frame only', () => {
    expect(check(frame(FILE_APP))).toBe(true);
    expect(check(frame(FILE_APP, frame(FILE_APP)))).toBe(false);
    expect(check(frame('about:blank'))).toBe(false);
    expect(check(null)).toBe(false);
  });
});

/** Records ipcMain.handle registrations the way Electron keeps them: one per channel. */
class FakeIpcMain {
  handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  handle(channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, senderUrl: string | null, args?: unknown): Promise<Wire<unknown>> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    const event = { senderFrame: senderUrl === null ? null : frame(senderUrl) };
    return (await fn(event as unknown as IpcMainInvokeEvent, args)) as Wire<unknown>;
  }
}

function setup() {
  const statusCalls: number[] = [];
  const accounts: AccountStatus[] = [];
  const handlers = createHandlers({
    engine: {
      status: () => {
        statusCalls.push(1);
        return accounts;
      },
      suspend: () => undefined,
      resume: () => undefined,
      checkNow: () => undefined,
      recentActivity: () => Promise.resolve([]),
      undo: () => Promise.reject(new Error('no')),
    },
    rules: () => [],
    appInfo: () => ({ version: '0.1.0', platform: 'linux', secretsBackend: 'os', dataDir: '/data' }),
    openExternal: () => Promise.resolve(),
  });
  const ipcMain = new FakeIpcMain();
  const warnings: unknown[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_m: string, f?: unknown) => void warnings.push(f),
    error: () => undefined,
    child: () => log,
  };
  const unregister = registerIpc({
    ipcMain,
    handlers,
    isTrustedSender: trustedFrame(FILE_APP),
    validateResults: true,
    log,
  });
  return { ipcMain, statusCalls, accounts, unregister, warnings };
}

describe('registerIpc', () => {
  it('registers exactly the contract channels', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...invokeChannels].sort());
  });

  it('answers a trusted sender through dispatch', async () => {
    const { ipcMain, accounts, statusCalls } = setup();
    expect(await ipcMain.invoke('status.get', FILE_APP)).toEqual({ ok: true, value: accounts });
    expect(statusCalls).toHaveLength(1);
    const bad = await ipcMain.invoke('activity.recent', FILE_APP, { limit: 'lots' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGS', path: 'limit' } });
  });

  it.each([['about:blank'], ['file:///tmp/index.html'], ['https://example.org/'], [null]])(
    'refuses sender %s with FORBIDDEN_SENDER without calling the handler',
    async (url) => {
      const { ipcMain, statusCalls, warnings } = setup();
      const answer = await ipcMain.invoke('status.get', url);
      expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
      expect(statusCalls).toHaveLength(0);
      expect(warnings).toEqual([{ channel: 'status.get', url: url ?? '(no frame)' }]);
    },
  );

  it('checks the sender before parsing the payload', async () => {
    const { ipcMain } = setup();
    const answer = await ipcMain.invoke('activity.recent', 'about:blank', { limit: 'lots' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('the returned function removes every handler', () => {
    const { ipcMain, unregister } = setup();
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('broadcast', () => {
  it('sends the event to every live window and skips destroyed ones', () => {
    const sent: [string, string, unknown][] = [];
    const wc = (name: string, destroyed: boolean) => ({
      isDestroyed: () => destroyed,
      send: (channel: string, payload: unknown) => void sent.push([name, channel, payload]),
    });
    broadcast([wc('a', false), wc('b', true), wc('c', false)], 'status.changed', []);
    expect(sent).toEqual([
      ['a', 'status.changed', []],
      ['c', 'status.changed', []],
    ]);
  });
});
