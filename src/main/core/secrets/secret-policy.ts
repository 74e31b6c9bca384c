/**
 * Whether the OS can keep a password for us. Electron's safeStorage encrypts with a key from
 * the Keychain (macOS), DPAPI (Windows) or the desktop's keyring (Linux). On Linux without a
 * keyring it falls back to `basic_text`: a key hard-coded in Chromium, which is obfuscation,
 * not encryption — anyone who can read the file can read the password. We refuse that, say why,
 * and point to what works everywhere: a password command (`pass show mail/work`).
 */

/** safeStorage.getSelectedStorageBackend()'s answers (Linux); other platforms pass 'os'. */
export type StorageBackend =
  | 'basic_text'
  | 'gnome_libsecret'
  | 'kwallet'
  | 'kwallet5'
  | 'kwallet6'
  | 'unknown'
  | (string & {});

export const SecretRefusal = {
  /** Linux without a keyring (or a backend we do not know): the key is not secret. */
  plainText: 'plain-text-backend',
  /** safeStorage says it cannot encrypt at all. */
  unavailable: 'encryption-unavailable',
} as const;
export type SecretRefusal = (typeof SecretRefusal)[keyof typeof SecretRefusal];

export type SecretStorageDecision =
  | { ok: true }
  | {
      ok: false;
      code: SecretRefusal;
      /** For a person. */
      reason: string;
      /** What to use instead. */
      suggest: 'password command';
    };

/** Linux backends that keep the key in a real keyring. */
const keyrings = new Set(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']);

/**
 * May we keep passwords with safeStorage? `backend` is getSelectedStorageBackend() (Linux
 * only; ignored elsewhere), `encryptionAvailable` isAsyncEncryptionAvailable().
 *
 * On Linux, anything but a known keyring is refused: 'basic_text' is plain text in all but
 * name, and 'unknown' means either "asked before ready" or "could not tell" — neither is a
 * promise that the key is kept safe, and a new backend name gets looked at before it is trusted.
 */
export function secretStorageDecision(
  backend: StorageBackend,
  platform: NodeJS.Platform | (string & {}),
  encryptionAvailable = true,
): SecretStorageDecision {
  if (!encryptionAvailable)
    return {
      ok: false,
      code: SecretRefusal.unavailable,
      reason: 'the system cannot encrypt passwords for Solon',
      suggest: 'password command',
    };
  if (platform !== 'linux') return { ok: true };
  if (keyrings.has(backend)) return { ok: true };
  return {
    ok: false,
    code: SecretRefusal.plainText,
    reason: 'plain-text backend (no keyring)',
    suggest: 'password command',
  };
}
