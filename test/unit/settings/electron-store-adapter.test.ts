/**
 * src/main/settings.ts with the real electron-store over a stand-in for Electron's app (the
 * binary cannot run here): the file lands in userData, migrated, with our schema.
 *
 * electron-store is loaded by Node itself, outside vi.mock's reach, and its
 * `import electron from 'electron'` runs node_modules/electron/index.js, which would try to
 * download the Electron binary. ELECTRON_OVERRIDE_DIST_PATH makes that module return a path
 * instead; electron-store then finds no `app`, and works as the conf it is on the absolute cwd
 * we always give it. Our own `app.getPath('userData')` is the mocked one below.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaults } from '../../../src/main/core/settings/defaults.js';

const h = vi.hoisted(() => {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  process.env.ELECTRON_OVERRIDE_DIST_PATH = '/nonexistent/electron-dist';
  return { userData: '', override };
});

vi.mock('electron', () => {
  const app = { getPath: () => h.userData, getVersion: () => '0.1.0' };
  return { app, default: { app } };
});

const { openAppSettings } = await import('../../../src/main/settings.js');
afterAll(() => {
  if (h.override === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
  else process.env.ELECTRON_OVERRIDE_DIST_PATH = h.override;
});

beforeEach(() => {
  h.userData = mkdtempSync(join(tmpdir(), 'solon-userdata-'));
});
afterEach(() => rmSync(h.userData, { recursive: true, force: true }));

describe('openAppSettings', () => {
  it('keeps userData/settings.json, 0600, through electron-store', async () => {
    const { settings } = await openAppSettings({});
    const file = join(h.userData, 'settings.json');
    expect(settings.path).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaults());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    settings.update({ startAtLogin: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ startAtLogin: true });
  });

  it('migrates an old file and moves its password to saveSecret', async () => {
    writeFileSync(
      join(h.userData, 'settings.json'),
      JSON.stringify({
        accounts: [{ id: 'w', host: 'h', user: 'u', mailbox: 'INBOX', pass: 'pw1' }],
      }),
    );
    const saveSecret = vi.fn(() => Promise.resolve());
    const { settings, notices } = await openAppSettings({ saveSecret });
    expect(saveSecret).toHaveBeenCalledWith('w', 'pw1');
    expect(settings.get().accounts[0]?.password).toEqual({ keychain: true });
    expect(notices.map((n) => n.code)).toContain('migrated');
    expect(readFileSync(join(h.userData, 'settings.json'), 'utf8')).not.toContain('pw1');
  });

  it('refuses through Ajv what the schema forbids, even written around us', async () => {
    const { settings } = await openAppSettings({});
    expect(() => settings.update({ accounts: [{ id: 'w' } as never] })).toThrow(/host/);
  });
});
