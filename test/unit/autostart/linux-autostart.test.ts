import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { desktopEntry } from '../../../src/main/core/autostart/desktop-entry.js';
import {
  autostartFile,
  configHome,
  isLinuxAutostart,
  setLinuxAutostart,
} from '../../../src/main/core/autostart/linux-autostart.js';

let home: string;
const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
beforeEach(() => {
  // A temp HOME: nothing here may touch the real ~/.config/autostart.
  home = mkdtempSync(join(tmpdir(), 'solon-home-'));
  process.env.HOME = home;
  delete process.env.XDG_CONFIG_HOME;
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

const entry = desktopEntry({ execPath: '/opt/Solon/solon', args: ['--hidden'], name: 'Solon' });

describe('configHome', () => {
  it.each([
    ['unset', {}, '/h/.config'],
    ['empty', { XDG_CONFIG_HOME: '' }, '/h/.config'],
    ['relative (invalid per the Base Directory spec)', { XDG_CONFIG_HOME: 'conf' }, '/h/.config'],
    ['absolute', { XDG_CONFIG_HOME: '/x/conf' }, '/x/conf'],
  ])('%s', (_what, env, expected) => {
    expect(configHome(env, '/h')).toBe(expected);
  });

  it('follows $HOME and $XDG_CONFIG_HOME by default', () => {
    expect(autostartFile()).toBe(join(home, '.config', 'autostart', 'solon.desktop'));
    process.env.XDG_CONFIG_HOME = join(home, 'xdg');
    expect(autostartFile()).toBe(join(home, 'xdg', 'autostart', 'solon.desktop'));
  });
});

describe('setLinuxAutostart / isLinuxAutostart', () => {
  const file = (): string => join(home, '.config', 'autostart', 'solon.desktop');

  it('on writes ~/.config/autostart/solon.desktop (creating the folders); off removes it', async () => {
    expect(await isLinuxAutostart()).toBe(false);
    await setLinuxAutostart(true, { entry });
    expect(readFileSync(file(), 'utf8')).toBe(entry);
    expect(await isLinuxAutostart()).toBe(true);
    await setLinuxAutostart(false, {});
    expect(existsSync(file())).toBe(false);
    expect(await isLinuxAutostart()).toBe(false);
  });

  it('off when already off is fine', async () => {
    await setLinuxAutostart(false, {});
    expect(await isLinuxAutostart()).toBe(false);
  });

  it('on needs the entry', async () => {
    await expect(setLinuxAutostart(true, {})).rejects.toThrow(/entry/);
  });

  it('honours $XDG_CONFIG_HOME and an explicit configHome', async () => {
    process.env.XDG_CONFIG_HOME = join(home, 'xdg');
    await setLinuxAutostart(true, { entry });
    expect(existsSync(join(home, 'xdg', 'autostart', 'solon.desktop'))).toBe(true);
    const other = join(home, 'other');
    await setLinuxAutostart(true, { entry, configHome: other });
    expect(await isLinuxAutostart({ configHome: other })).toBe(true);
  });

  it('an entry the user switched off counts as off, and turning it on really turns it on', async () => {
    mkdirSync(join(home, '.config', 'autostart'), { recursive: true });
    writeFileSync(
      file(),
      entry.replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'),
    );
    expect(await isLinuxAutostart()).toBe(false);
    await setLinuxAutostart(true, { entry });
    expect(await isLinuxAutostart()).toBe(true);
  });

  it('the file is readable by the session (not private) and rewritten whole', async () => {
    await setLinuxAutostart(true, { entry: entry + '# old\n' });
    await setLinuxAutostart(true, { entry });
    expect(readFileSync(file(), 'utf8')).toBe(entry);
  });
});
