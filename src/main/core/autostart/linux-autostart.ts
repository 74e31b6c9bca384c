import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { readFileIfExists, writeFileAtomic } from '../util/atomic-file.js';
import { entryEnabled } from './desktop-entry.js';

/** The autostart entry's file name; also its desktop-file id. */
export const AUTOSTART_FILE = 'solon.desktop';

/**
 * $XDG_CONFIG_HOME, or ~/.config when it is unset, empty or relative — the Base Directory
 * spec says a relative path there is invalid and must be ignored.
 */
export function configHome(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const x = env.XDG_CONFIG_HOME;
  return x && isAbsolute(x) ? x : join(home, '.config');
}

export interface LinuxAutostartOptions {
  /** Default: configHome() ($XDG_CONFIG_HOME or ~/.config). */
  configHome?: string;
}

/** Where the entry lives: <configHome>/autostart/solon.desktop. */
export function autostartFile(opts: LinuxAutostartOptions = {}): string {
  return join(opts.configHome ?? configHome(), 'autostart', AUTOSTART_FILE);
}

/**
 * Turn start-at-login on (write `entry`, from desktopEntry(), atomically) or off (remove the
 * file; already absent is fine). Removing rather than writing Hidden=true: our entry is ours
 * alone, and no file is the plainest "off".
 */
export async function setLinuxAutostart(
  enabled: boolean,
  opts: LinuxAutostartOptions & { entry?: string },
): Promise<void> {
  const file = autostartFile(opts);
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  if (opts.entry === undefined) throw new Error('turning autostart on needs the entry text');
  await writeFileAtomic(file, opts.entry);
}

/** Is there an entry the session will start (not Hidden, not switched off in GNOME)? */
export async function isLinuxAutostart(opts: LinuxAutostartOptions = {}): Promise<boolean> {
  const text = await readFileIfExists(autostartFile(opts));
  return text !== undefined && entryEnabled(text);
}
