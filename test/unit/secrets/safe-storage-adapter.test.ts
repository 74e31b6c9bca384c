/**
 * src/main/secrets.ts against a stand-in for Electron's safeStorage (the Electron binary cannot
 * run here): which API it calls, and what policy does with each backend.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretErrorCode } from '../../../src/main/core/secrets/keychain-secret-source.js';

const SECRET = 'hunter2-s3cr3t';

/** Reversible, and visibly not the plaintext: enough to see which call ran. */
const scramble = (s: string): Buffer => Buffer.from(`enc:${Buffer.from(s).toString('hex')}`);
const unscramble = (b: Buffer): string =>
  Buffer.from(b.toString().replace(/^enc:/, ''), 'hex').toString();

const h = vi.hoisted(() => ({
  backend: 'gnome_libsecret',
  available: true,
  userData: '',
  calls: [] as string[],
  asyncApi: true,
}));

vi.mock('electron', () => {
  const safeStorage = {
    get encryptStringAsync() {
      return h.asyncApi
        ? (s: string) => (h.calls.push('encryptStringAsync'), Promise.resolve(scramble(s)))
        : undefined;
    },
    get decryptStringAsync() {
      return h.asyncApi
        ? (b: Buffer) => (
            h.calls.push('decryptStringAsync'),
            Promise.resolve({ result: unscramble(b), shouldReEncrypt: false })
          )
        : undefined;
    },
    get isAsyncEncryptionAvailable() {
      return h.asyncApi
        ? () => (h.calls.push('isAsyncEncryptionAvailable'), Promise.resolve(h.available))
        : undefined;
    },
    encryptString: (s: string) => (h.calls.push('encryptString'), scramble(s)),
    decryptString: (b: Buffer) => (h.calls.push('decryptString'), unscramble(b)),
    isEncryptionAvailable: () => (h.calls.push('isEncryptionAvailable'), h.available),
    getSelectedStorageBackend: () => h.backend,
  };
  const app = { getPath: () => h.userData };
  return { app, safeStorage, default: { app, safeStorage } };
});

const { openKeychain, keychainStatus } = await import('../../../src/main/secrets.js');

let platform: PropertyDescriptor | undefined;
function onPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true });
}
beforeEach(() => {
  h.userData = mkdtempSync(join(tmpdir(), 'solon-userdata-'));
  h.backend = 'gnome_libsecret';
  h.available = true;
  h.asyncApi = true;
  h.calls.length = 0;
  platform = Object.getOwnPropertyDescriptor(process, 'platform');
  onPlatform('linux');
});
afterEach(() => {
  if (platform) Object.defineProperty(process, 'platform', platform);
  rmSync(h.userData, { recursive: true, force: true });
});

describe('openKeychain', () => {
  it('uses the async API and keeps blobs in userData/secrets', async () => {
    const { status, source } = await openKeychain();
    expect(status).toEqual({ decision: { ok: true }, backend: 'gnome_libsecret', api: 'async' });
    await source.setPassword('work', SECRET);
    expect(await source.password('work')).toBe(SECRET);
    expect(h.calls).toEqual([
      'isAsyncEncryptionAvailable',
      'encryptStringAsync',
      'decryptStringAsync',
    ]);
    const dir = join(h.userData, 'secrets');
    expect(readdirSync(dir)).toEqual(['work.secret']);
    expect(readFileSync(join(dir, 'work.secret'), 'utf8')).not.toContain(SECRET);
  });

  it.each(['basic_text', 'unknown'])(
    'Linux with %s: refused, the reason given, nothing written',
    async (backend) => {
      h.backend = backend;
      const { status, source } = await openKeychain();
      expect(status.decision).toMatchObject({
        ok: false,
        reason: 'plain-text backend (no keyring)',
        suggest: 'password command',
      });
      await expect(source.setPassword('work', SECRET)).rejects.toMatchObject({
        code: SecretErrorCode.refused,
      });
      await expect(source.password('work')).rejects.toThrow(/use a password command instead/);
      expect(h.calls.filter((c) => c.startsWith('encrypt'))).toEqual([]);
      expect(readdirSync(h.userData)).toEqual([]);
    },
  );

  it('macOS and Windows: the Linux backend name is not asked for', async () => {
    onPlatform('darwin');
    h.backend = 'basic_text';
    expect(await keychainStatus()).toEqual({ decision: { ok: true }, backend: 'os', api: 'async' });
  });

  it('no encryption available: refused everywhere', async () => {
    onPlatform('win32');
    h.available = false;
    expect((await keychainStatus()).decision).toMatchObject({
      ok: false,
      code: 'encryption-unavailable',
    });
  });

  it('falls back to the sync API when the async one is missing', async () => {
    h.asyncApi = false;
    const { status, source } = await openKeychain();
    expect(status.api).toBe('sync');
    await source.setPassword('work', SECRET);
    expect(await source.password('work')).toBe(SECRET);
    expect(h.calls).toEqual(['isEncryptionAvailable', 'encryptString', 'decryptString']);
  });
});
