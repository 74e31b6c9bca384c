import { describe, expect, it } from 'vitest';
import {
  SecretRefusal,
  secretStorageDecision,
} from '../../../src/main/core/secrets/secret-policy.js';

const refusedPlainText = {
  ok: false,
  code: SecretRefusal.plainText,
  reason: 'plain-text backend (no keyring)',
  suggest: 'password command',
};

describe('secretStorageDecision', () => {
  it.each([
    // backend, platform, expected
    ['gnome_libsecret', 'linux', { ok: true }],
    ['kwallet', 'linux', { ok: true }],
    ['kwallet5', 'linux', { ok: true }],
    ['kwallet6', 'linux', { ok: true }],
    ['basic_text', 'linux', refusedPlainText],
    // before `ready`, or undetermined: not a promise that the key is safe
    ['unknown', 'linux', refusedPlainText],
    // a backend name Electron may add later is looked at before it is trusted
    ['some_new_store', 'linux', refusedPlainText],
    ['', 'linux', refusedPlainText],
    // Keychain and DPAPI: the backend name is Linux-only and ignored elsewhere
    ['os', 'darwin', { ok: true }],
    ['os', 'win32', { ok: true }],
    ['basic_text', 'darwin', { ok: true }],
    ['unknown', 'win32', { ok: true }],
  ] as const)('%s on %s', (backend, platform, expected) => {
    expect(secretStorageDecision(backend, platform)).toEqual(expected);
  });

  it.each(['linux', 'darwin', 'win32'])(
    'refuses on %s when encryption is not available at all',
    (platform) => {
      expect(secretStorageDecision('gnome_libsecret', platform, false)).toEqual({
        ok: false,
        code: SecretRefusal.unavailable,
        reason: 'the system cannot encrypt passwords for Solon',
        suggest: 'password command',
      });
    },
  );
});
