import type { AppInfo } from '../../shared/contract';

/**
 * Where passwords are kept, in words, from app.info's `secretsBackend` (safeStorage's backend on
 * Linux, `os` elsewhere). On Linux anything but a real keyring means the key Chromium would use
 * is hard-coded (`basic_text`): plain text in effect, so Solon refuses to keep passwords there
 * and the window says what to do instead.
 */
export interface SecretsNote {
  /** `warn`: passwords cannot be kept safely here; the text says what works instead. */
  tone: 'ok' | 'warn';
  text: string;
}

const keyrings: Record<string, string> = {
  gnome_libsecret: 'the desktop keyring (Secret Service)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet',
  kwallet6: 'KWallet',
};

const instead =
  'Use a password command for each account instead (for example “pass show mail/work”), ' +
  'or install a keyring such as GNOME Keyring or KWallet and restart Solon.';

export function secretsNote(info: Pick<AppInfo, 'platform' | 'secretsBackend'>): SecretsNote {
  const b = info.secretsBackend;
  if (b === 'os') {
    const where =
      info.platform === 'darwin'
        ? 'the macOS Keychain'
        : info.platform === 'win32'
          ? 'Windows (DPAPI)'
          : 'the system keychain';
    return { tone: 'ok', text: `Passwords are kept encrypted by ${where}.` };
  }
  const keyring = keyrings[b];
  if (keyring) return { tone: 'ok', text: `Passwords are kept encrypted by ${keyring}.` };
  if (b === 'basic_text')
    return {
      tone: 'warn',
      text:
        'No keyring was found, so passwords would be stored in plain text in effect ' +
        `(backend “basic_text”). Solon does not keep passwords that way. ${instead}`,
    };
  if (info.platform === 'linux')
    return {
      tone: 'warn',
      text: `Solon cannot tell whether passwords would be kept safely (backend “${b}”). ${instead}`,
    };
  return { tone: 'ok', text: `Passwords are kept by “${b}”.` };
}
