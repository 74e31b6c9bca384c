import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  desktopEntry,
  entryEnabled,
  escapeValue,
  execLine,
  linuxLaunchCommand,
  quoteExecArg,
} from '../../../src/main/core/autostart/desktop-entry.js';
import {
  HIDDEN_ARG,
  loginItemQuery,
  loginItemSettings,
} from '../../../src/main/core/autostart/login-item.js';

/**
 * An Exec value read back the way the Desktop Entry spec says a launcher reads it: string
 * escapes first (\s \n \t \r \\), then the quoting rules, then %% → %. If this gives back the
 * arguments we wrote, any conforming launcher does too.
 */
function parseExec(value: string): string[] {
  const unescaped = value.replace(/\\([sntr\\])/g, (_m, c: string) =>
    c === 's' ? ' ' : c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\',
  );
  const args: string[] = [];
  let cur: string | undefined;
  let i = 0;
  while (i < unescaped.length) {
    const ch = unescaped[i]!;
    if (ch === ' ') {
      if (cur !== undefined) args.push(cur);
      cur = undefined;
      i++;
    } else if (ch === '"') {
      cur ??= '';
      i++;
      while (unescaped[i] !== '"') {
        if (i >= unescaped.length) throw new Error('unterminated quote');
        if (unescaped[i] === '\\') {
          const next = unescaped[i + 1]!;
          if (!'"`$\\'.includes(next)) throw new Error(`bad escape \\${next}`);
          cur += next;
          i += 2;
        } else cur += unescaped[i++];
      }
      i++;
    } else {
      if (/[\t\n"'\\><~|&;$*?#()`]/.test(ch)) throw new Error(`unquoted reserved ${ch}`);
      cur = (cur ?? '') + ch;
      i++;
    }
  }
  if (cur !== undefined) args.push(cur);
  return args.map((a) => {
    if (/%[^%]/.test(a.replace(/%%/g, ''))) throw new Error(`field code in ${a}`);
    return a.replace(/%%/g, '%');
  });
}

/** Arguments that each need some piece of the quoting rules. */
const awkward = [
  'with space',
  'say "hi"',
  '$HOME and `date`',
  'C:\\path\\',
  '100% sure',
  '%f',
  'line\nbreak',
  'tab\there',
  "quote's",
  '',
  'ünïcödé 🙂',
  '#(*?)|&;<>~',
];

describe('quoteExecArg', () => {
  it.each([
    ['plain', 'plain'],
    ['/opt/Solon/solon', '/opt/Solon/solon'],
    ['--hidden', '--hidden'],
    ['with space', '"with space"'],
    ['', '""'],
    ['100%', '100%%'],
    ['50% off', '"50%% off"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['$HOME', '"\\$HOME"'],
    ['`cmd`', '"\\`cmd\\`"'],
    ['back\\slash', '"back\\\\slash"'],
    ["it's", '"it\'s"'],
    ['a;b', '"a;b"'],
    ['~/x', '"~/x"'],
    ['ünï', 'ünï'],
  ])('%j → %s', (arg, quoted) => {
    expect(quoteExecArg(arg)).toBe(quoted);
  });
});

describe('execLine', () => {
  it('a backslash in a quoted argument is written as four (the spec says so)', () => {
    expect(execLine('/x', ['a\\b'])).toBe('/x "a\\\\\\\\b"');
  });

  it.each(awkward)('round-trips %j through a spec reader', (arg) => {
    const line = execLine('/opt/My Apps/Solon.AppImage', [arg, '--hidden']);
    expect(line).not.toMatch(/\n/);
    expect(parseExec(line)).toEqual(['/opt/My Apps/Solon.AppImage', arg, '--hidden']);
  });
});

describe('escapeValue', () => {
  it('escapes backslash and control characters, nothing else', () => {
    expect(escapeValue('a\\b\nc\td\re f;g')).toBe('a\\\\b\\nc\\td\\re f;g');
  });
});

describe('desktopEntry', () => {
  it('writes the autostart entry', () => {
    expect(
      desktopEntry({
        execPath: '/home/me/Apps/Solon 1.0.AppImage',
        args: ['--hidden'],
        name: 'Solon',
        comment: 'Keeps your mail sorted',
      }),
    ).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.0',
        'Name=Solon',
        'Comment=Keeps your mail sorted',
        'Exec="/home/me/Apps/Solon 1.0.AppImage" --hidden',
        'Terminal=false',
        'Hidden=false',
        'NoDisplay=true',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
  });

  it('refuses a relative program path (the session has no working folder to speak of)', () => {
    expect(() => desktopEntry({ execPath: 'solon', name: 'Solon' })).toThrow(/absolute/);
  });

  it('a name with a newline stays on its line', () => {
    const text = desktopEntry({ execPath: '/x', name: 'So\nlon' });
    expect(text).toContain('Name=So\\nlon\n');
  });

  let validator = true;
  try {
    execFileSync('desktop-file-validate', ['--help'], { stdio: 'ignore' });
  } catch {
    validator = false;
  }
  // desktop-file-utils is the freedesktop.org reference checker; not every machine has it.
  it.skipIf(!validator)('passes desktop-file-validate (desktop-file-utils)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'solon-desktop-'));
    try {
      for (const args of [[HIDDEN_ARG], awkward, []]) {
        const file = join(dir, 'solon.desktop');
        writeFileSync(
          file,
          desktopEntry({
            execPath: '/opt/My Apps/Solon.AppImage',
            args,
            name: 'Solon',
            comment: 'Keeps your mail sorted',
            icon: 'solon',
          }),
        );
        const out = execFileSync('desktop-file-validate', [file], { encoding: 'utf8' });
        expect(out).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('entryEnabled', () => {
  const ours = desktopEntry({ execPath: '/x', name: 'Solon' });
  it.each([
    ['ours', ours, true],
    ['Hidden=true (the spec: "deleted")', ours.replace('Hidden=false', 'Hidden=true'), false],
    [
      'switched off in GNOME',
      ours.replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'),
      false,
    ],
    ['a minimal entry', '[Desktop Entry]\nType=Application\nExec=/x\n', true],
    ['Hidden in another group only', ours + '\n[Desktop Action x]\nHidden=true\n', true],
    ['CRLF and spaces', '[Desktop Entry]\r\nHidden = true\r\n', false],
  ])('%s → %s', (_what, text, enabled) => {
    expect(entryEnabled(text)).toBe(enabled);
  });
});

describe('linuxLaunchCommand', () => {
  it.each([
    [
      'AppImage: the image file, not its temporary mount',
      {
        execPath: '/tmp/.mount_SolonX/solon',
        appImage: '/home/me/Apps/Solon.AppImage',
        isPackaged: true,
        appPath: '/tmp/.mount_SolonX/resources/app.asar',
      },
      { execPath: '/home/me/Apps/Solon.AppImage', args: ['--hidden'] },
    ],
    [
      'deb: the installed binary',
      { execPath: '/opt/Solon/solon', isPackaged: true, appPath: '/opt/Solon/resources/app.asar' },
      { execPath: '/opt/Solon/solon', args: ['--hidden'] },
    ],
    [
      'development: electron plus the app folder',
      { execPath: '/w/node_modules/electron/dist/electron', isPackaged: false, appPath: '/w' },
      { execPath: '/w/node_modules/electron/dist/electron', args: ['/w', '--hidden'] },
    ],
    [
      'an empty APPIMAGE is no AppImage',
      { execPath: '/opt/Solon/solon', appImage: '', isPackaged: true, appPath: '/a' },
      { execPath: '/opt/Solon/solon', args: ['--hidden'] },
    ],
  ])('%s', (_what, input, expected) => {
    expect(linuxLaunchCommand(input)).toEqual(expected);
  });
});

describe('loginItemSettings', () => {
  it.each([
    [true, 'win32', { openAtLogin: true, path: 'C:\\S\\Solon.exe', args: ['--hidden'] }],
    [false, 'win32', { openAtLogin: false, path: 'C:\\S\\Solon.exe', args: ['--hidden'] }],
    [true, 'darwin', { openAtLogin: true }],
    [false, 'darwin', { openAtLogin: false }],
  ] as const)('%s on %s', (enabled, platform, expected) => {
    expect(loginItemSettings(enabled, platform, 'C:\\S\\Solon.exe')).toEqual(expected);
  });

  it('the query matches what was registered (Windows compares path and args)', () => {
    const set = loginItemSettings(true, 'win32', 'C:\\S\\Solon.exe');
    expect(loginItemQuery('win32', 'C:\\S\\Solon.exe')).toEqual({ path: set.path, args: set.args });
    expect(loginItemQuery('darwin', '/Applications/Solon.app')).toEqual({});
  });
});
