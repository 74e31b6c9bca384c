/**
 * The secrets adapter: Electron's safeStorage as the Cipher of a KeychainSecretSource
 * (src/main/core/secrets), blobs in userData/secrets/<account>.secret (base64, 0600).
 *
 * The ASYNC safeStorage API, which Electron 45 has (electron.d.ts: encryptStringAsync,
 * decryptStringAsync → { result, shouldReEncrypt }, isAsyncEncryptionAvailable; the sync
 * encryptString/decryptString/isEncryptionAvailable are marked deprecated there). Async because
 * the first use may wait on the OS (a keyring unlock prompt), which must not freeze the main
 * process, and because only decryptStringAsync says when a key rotation wants the blob
 * encrypted again. If a runtime lacked the async calls, the sync ones are used; Electron
 * documents that decryptStringAsync reads what encryptString wrote, so blobs from that fallback
 * stay readable once the async API is back.
 *
 * Call after app `ready`: before it, getSelectedStorageBackend() says 'unknown' (refused).
 */
import { app, safeStorage } from 'electron';
import { join } from 'node:path';
import {
  FileBlobStore,
  KeychainSecretSource,
  refusingSecretSource,
  type Cipher,
} from './core/secrets/keychain-secret-source.js';
import { secretStorageDecision, type SecretStorageDecision } from './core/secrets/secret-policy.js';
import { silentLogger, type Logger, type SecretSource } from './core/ports.js';

const hasAsync = (): boolean =>
  typeof safeStorage.encryptStringAsync === 'function' &&
  typeof safeStorage.decryptStringAsync === 'function' &&
  typeof safeStorage.isAsyncEncryptionAvailable === 'function';

/** safeStorage as a Cipher: async API when there, else the (deprecated) sync one. */
export function safeStorageCipher(): Cipher {
  if (hasAsync())
    return {
      encrypt: (plain) => safeStorage.encryptStringAsync(plain),
      decrypt: async (blob) => {
        const r = await safeStorage.decryptStringAsync(blob);
        return { plain: r.result, reEncrypt: r.shouldReEncrypt };
      },
    };
  return {
    encrypt: (plain) => Promise.resolve().then(() => safeStorage.encryptString(plain)),
    decrypt: (blob) => Promise.resolve().then(() => safeStorage.decryptString(blob)),
  };
}

export interface KeychainStatus {
  decision: SecretStorageDecision;
  /** getSelectedStorageBackend() on Linux; 'os' elsewhere (Keychain, DPAPI). */
  backend: string;
  api: 'async' | 'sync';
}

/**
 * Can passwords be kept here? Asks isAsyncEncryptionAvailable() first: it initialises the
 * async encryptor, after which the selected backend is known.
 */
export async function keychainStatus(): Promise<KeychainStatus> {
  const api = hasAsync() ? 'async' : 'sync';
  const available =
    api === 'async'
      ? await safeStorage.isAsyncEncryptionAvailable()
      : safeStorage.isEncryptionAvailable();
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  return { decision: secretStorageDecision(backend, process.platform, available), backend, api };
}

/**
 * The engine's keychain (pass it as `keychain` to createEngine) and the UI's way to save a
 * password. When policy refuses (Linux plain-text backend), the source refuses too, with the
 * reason and "use a password command"; show `status.decision` in the account form.
 */
export async function openKeychain(opts: { dir?: string; log?: Logger } = {}): Promise<{
  status: KeychainStatus;
  source: SecretSource & {
    setPassword(accountId: string, password: string): Promise<void>;
    deletePassword(accountId: string): Promise<void>;
  };
}> {
  const log = opts.log ?? silentLogger;
  const status = await keychainStatus();
  log.info('keychain', { backend: status.backend, api: status.api, ok: status.decision.ok });
  if (!status.decision.ok) return { status, source: refusingSecretSource(status.decision) };
  const dir = opts.dir ?? join(app.getPath('userData'), 'secrets');
  return {
    status,
    source: new KeychainSecretSource(safeStorageCipher(), new FileBlobStore(dir), log),
  };
}
