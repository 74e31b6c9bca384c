/**
 * src/main/autostart.ts against a stand-in for Electron's app (the binary cannot run here):
 * which OS mechanism each platform gets, and the Linux entry's command in a temp HOME.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  isPackaged: true,
  set: [] as unknown[],
  get: [] as unknown[],
  openAtLogin: false,
  wasOpenedAtLogin: false,
}));

vi.mock('electron', () => {
  const app = {
    get isPackaged() {
      return h.isPackaged;
    },
    getAppPath: () => '/src/solon',
    setLoginItemSettings: (s: unknown) => void h.set.push(s),
    getLoginItemSettings: (q?: unknown) => {
      h.get.push(q);
      return { openAtLogin: h.openAtLogin, wasOpenedAtLogin: h.wasOpenedAtLogin };
    },
  };
  return { app, default: { app } };
});

const { setStartAtLogin, getStartAtLogin, openedAtLogin } =
  await import('../../../src/main/autostart.js');

let home: string;
const saved = {
  HOME: process.env.HOME,
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME,
  APPIMAGE: process.env.APPIMAGE,
};
const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
const onPlatform = (p: NodeJS.Platform): void =>
  void Object.defineProperty(process, 'platform', { value: p, configurable: true });

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'solon-home-'));
  process.env.HOME = home;
  delete process.env.XDG_CONFIG_HOME;
  delete process.env.APPIMAGE;
  h.isPackaged = true;
  h.set.length = 0;
  h.get.length = 0;
  h.openAtLogin = false;
  h.wasOpenedAtLogin = false;
  onPlatform('linux');
});
afterEach(() => {
  Object.defineProperty(process, 'platform', platform);
  rmSync(home, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

const entryFile = (): string => join(home, '.config', 'autostart', 'solon.desktop');

describe('Linux', () => {
  it('writes the XDG entry for the AppImage file, and removes it', async () => {
    process.env.APPIMAGE = '/home/me/Apps/Solon 1.0.AppImage';
    await setStartAtLogin(true);
    const text = readFileSync(entryFile(), 'utf8');
    expect(text).toContain('Exec="/home/me/Apps/Solon 1.0.AppImage" --hidden\n');
    expect(await getStartAtLogin()).toBe(true);
    await setStartAtLogin(false);
    expect(existsSync(entryFile())).toBe(false);
    expect(await getStartAtLogin()).toBe(false);
    expect(h.set).toEqual([]); // Electron has no Linux login items
  });

  it('not an AppImage: the executable itself; in development, with the app folder', async () => {
    await setStartAtLogin(true);
    expect(readFileSync(entryFile(), 'utf8')).toContain(`Exec=${process.execPath} --hidden\n`);
    h.isPackaged = false;
    await setStartAtLogin(true);
    expect(readFileSync(entryFile(), 'utf8')).toContain(
      `Exec=${process.execPath} /src/solon --hidden\n`,
    );
  });
});

describe('macOS and Windows', () => {
  it('Windows: a login item for this executable with --hidden, queried the same way', async () => {
    onPlatform('win32');
    await setStartAtLogin(true);
    expect(h.set).toEqual([{ openAtLogin: true, path: process.execPath, args: ['--hidden'] }]);
    h.openAtLogin = true;
    expect(await getStartAtLogin()).toBe(true);
    expect(h.get).toEqual([{ path: process.execPath, args: ['--hidden'] }]);
    expect(existsSync(entryFile())).toBe(false);
  });

  it('macOS: openAtLogin only; a login start is told by wasOpenedAtLogin', async () => {
    onPlatform('darwin');
    await setStartAtLogin(false);
    expect(h.set).toEqual([{ openAtLogin: false }]);
    expect(openedAtLogin([])).toBe(false);
    h.wasOpenedAtLogin = true;
    expect(openedAtLogin([])).toBe(true);
  });

  it('--hidden on the command line means a login start anywhere', () => {
    onPlatform('win32');
    expect(openedAtLogin(['solon.exe', '--hidden'])).toBe(true);
    expect(openedAtLogin(['solon.exe'])).toBe(false);
  });
});
