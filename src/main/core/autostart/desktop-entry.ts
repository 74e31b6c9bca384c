import { HIDDEN_ARG } from './login-item.js';

/**
 * The XDG autostart entry (Desktop Application Autostart Specification): a .desktop file in
 * $XDG_CONFIG_HOME/autostart that the session starts at login. Pure text in, text out.
 * Quoting follows the Desktop Entry Specification 1.5, "The Exec key".
 */

export interface DesktopEntryOptions {
  /** Absolute path of the program (the AppImage itself when run as one). */
  execPath: string;
  /** Arguments, each passed through as one argument whatever it contains. */
  args?: readonly string[];
  /** Shown in the session's startup-applications list. */
  name: string;
  comment?: string;
  /** An icon name or absolute path. */
  icon?: string;
}

/**
 * Characters that force an Exec argument into double quotes (the spec's "reserved characters":
 * space, tab, newline, " ' \ > < ~ | & ; $ * ? # ( ) `).
 */
const reserved = /[ \t\n"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument as the spec wants it: `%` doubled (a lone % starts a field code), quoted
 * when it holds a reserved character (or is empty), and inside quotes `"`, `` ` ``, `$` and `\`
 * escaped with a backslash. This is the quoting level; the string-escape level comes after.
 */
export function quoteExecArg(arg: string): string {
  const s = arg.replace(/%/g, '%%');
  if (s !== '' && !reserved.test(s)) return s;
  return `"${s.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A value of type string: `\` → `\\`, and newline, tab, CR as \n, \t, \r (a literal newline
 * would end the key). Applied to the whole Exec line after quoting — which is why a backslash
 * inside a quoted argument ends up as four (the spec says so in as many words).
 */
export function escapeValue(value: string): string {
  return value.replace(/[\\\n\t\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : '\\r',
  );
}

/** The Exec line's value for a program and its arguments. */
export function execLine(execPath: string, args: readonly string[] = []): string {
  return escapeValue([execPath, ...args].map(quoteExecArg).join(' '));
}

/**
 * The .desktop text. `Hidden=false` and `X-GNOME-Autostart-enabled=true` state the obvious on
 * purpose: GNOME's "Startup Applications" flips the latter to disable an entry, and we write
 * the whole file, so turning Solon back on really turns it on. `NoDisplay=true`: this entry is
 * for the session, not a second launcher in the application menu.
 */
export function desktopEntry(opts: DesktopEntryOptions): string {
  if (!opts.execPath.startsWith('/'))
    throw new Error(`the program path must be absolute: ${opts.execPath}`);
  const lines = [
    '[Desktop Entry]',
    'Type=Application',
    // 1.0: what every launcher and desktop-file-validate knows; the Exec rules are the same since.
    'Version=1.0',
    `Name=${escapeValue(opts.name)}`,
    ...(opts.comment ? [`Comment=${escapeValue(opts.comment)}`] : []),
    `Exec=${execLine(opts.execPath, opts.args)}`,
    ...(opts.icon ? [`Icon=${escapeValue(opts.icon)}`] : []),
    'Terminal=false',
    'Hidden=false',
    'NoDisplay=true',
    'X-GNOME-Autostart-enabled=true',
  ];
  return lines.join('\n') + '\n';
}

/**
 * Would the session start this entry? Not when `Hidden=true` (the spec's "deleted") or
 * `X-GNOME-Autostart-enabled=false` (switched off in GNOME's settings). Reads only the
 * [Desktop Entry] group.
 */
export function entryEnabled(text: string): boolean {
  let inMain = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inMain = line === '[Desktop Entry]';
      continue;
    }
    if (!inMain || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'Hidden' && value === 'true') return false;
    if (key === 'X-GNOME-Autostart-enabled' && value === 'false') return false;
  }
  return true;
}

/**
 * The program and arguments that start Solon at login on Linux.
 *  - AppImage: $APPIMAGE, the image file itself. process.execPath points into the image's
 *    mount (/tmp/.mount_XXXX), which is gone at the next login.
 *  - packaged (deb): process.execPath.
 *  - development: the Electron binary needs the app folder as its first argument.
 * `--hidden`: started by the session, so come up in the tray without opening a window.
 */
export function linuxLaunchCommand(opts: {
  execPath: string;
  appImage?: string | undefined;
  isPackaged: boolean;
  appPath: string;
  hiddenArg?: string;
}): { execPath: string; args: string[] } {
  const hidden = opts.hiddenArg ?? HIDDEN_ARG;
  if (opts.appImage) return { execPath: opts.appImage, args: [hidden] };
  if (opts.isPackaged) return { execPath: opts.execPath, args: [hidden] };
  return { execPath: opts.execPath, args: [opts.appPath, hidden] };
}
