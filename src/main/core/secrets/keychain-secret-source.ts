import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Account } from '../../../shared/domain/account.js';
import { LLM_SECRET_ID } from '../../../shared/domain/config.js';
import { PasswordError } from '../config/password.js';
import { silentLogger, type Logger, type SecretSource } from '../ports.js';
import { readFileIfExists } from '../util/atomic-file.js';
import { writePrivateFile } from './private-file.js';
import type { SecretStorageDecision } from './secret-policy.js';

/**
 * Encrypts with a key the OS keeps (Electron's safeStorage in the app, a fake in tests). Only
 * the ciphertext ever reaches the disk.
 */
export interface Cipher {
  encrypt(plain: string): Promise<Buffer>;
  /**
   * The plain text, or `{ plain, reEncrypt: true }` when the OS has rotated its key (safeStorage's
   * `shouldReEncrypt`): the blob is then encrypted again and rewritten.
   */
  decrypt(blob: Buffer): Promise<string | { plain: string; reEncrypt: boolean }>;
}

/** Where encrypted blobs are kept, one per account. */
export interface BlobStore {
  read(accountId: string): Promise<Buffer | undefined>;
  write(accountId: string, blob: Buffer): Promise<void>;
  delete(accountId: string): Promise<void>;
  /** Account ids that have a blob. */
  list(): Promise<string[]>;
}

export const SecretErrorCode = {
  /** No password saved for this account. */
  missing: 'secret-missing',
  /** A saved password that cannot be decrypted (keyring reset, another machine, a torn file). */
  unreadable: 'secret-unreadable',
  /** Not an account id (ids name files: no path tricks). */
  invalidId: 'invalid-account-id',
  /** An empty password: never a valid login, most likely a form sent too soon. */
  empty: 'secret-empty',
  /** The secret store is refused by policy (secretStorageDecision). */
  refused: 'secret-storage-refused',
} as const;
export type SecretErrorCode = (typeof SecretErrorCode)[keyof typeof SecretErrorCode];

/**
 * A PasswordError with a code to branch on. The message names the account and what to do,
 * never the secret (it reaches the status, the log and the UI).
 */
export class SecretError extends PasswordError {
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretError';
  }
}

/** An account id, or LLM_SECRET_ID (which no account id can take). */
function isSecretId(id: string): boolean {
  return id === LLM_SECRET_ID || Account.shape.id.safeParse(id).success;
}

/** Whose secret, in words: `account "work"`, or the LLM endpoint's API key. */
function whose(id: string): string {
  return id === LLM_SECRET_ID ? 'LLM endpoint' : `account "${id}"`;
}

/** What the secret is called: an account's password, the LLM endpoint's API key. */
function noun(id: string): string {
  return id === LLM_SECRET_ID ? 'API key' : 'password';
}

function checkId(accountId: string): void {
  if (!isSecretId(accountId))
    throw new SecretError(
      SecretErrorCode.invalidId,
      `not an account id: ${JSON.stringify(accountId)}`,
    );
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Blobs as files: `<dir>/<accountId>.secret`, the ciphertext in base64, mode 0600 in a 0700
 * folder (userData/secrets), written atomically so a crash never leaves half a blob.
 */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  fileOf(accountId: string): string {
    checkId(accountId);
    return join(this.dir, `${accountId}.secret`);
  }

  async read(accountId: string): Promise<Buffer | undefined> {
    const text = await readFileIfExists(this.fileOf(accountId));
    if (text === undefined) return undefined;
    const b64 = text.trim();
    // Buffer.from(…, 'base64') skips what it does not understand; a damaged file must not
    // decode to some other bytes that might even decrypt.
    if (b64 === '' || !base64.test(b64) || b64.length % 4 !== 0)
      throw new SecretError(
        SecretErrorCode.unreadable,
        `${whose(accountId)}: the saved ${noun(accountId)} file is damaged; enter the ${noun(accountId)} again`,
      );
    return Buffer.from(b64, 'base64');
  }

  async write(accountId: string, blob: Buffer): Promise<void> {
    await writePrivateFile(this.fileOf(accountId), blob.toString('base64') + '\n');
  }

  async delete(accountId: string): Promise<void> {
    await rm(this.fileOf(accountId), { force: true });
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.secret'))
      .map((n) => n.slice(0, -'.secret'.length))
      .filter(isSecretId)
      .sort();
  }
}

/**
 * The keychain as the engine sees it (SecretSource): an account's password, decrypted when a
 * connection needs it and not kept anywhere after. Saving and deleting are for the UI.
 */
export class KeychainSecretSource implements SecretSource {
  constructor(
    private readonly cipher: Cipher,
    private readonly blobs: BlobStore,
    private readonly log: Logger = silentLogger,
  ) {}

  async password(accountId: string): Promise<string> {
    checkId(accountId);
    const blob = await this.blobs.read(accountId);
    if (!blob)
      throw new SecretError(
        SecretErrorCode.missing,
        accountId === LLM_SECRET_ID
          ? 'LLM endpoint: no API key saved in the keychain; enter it in the classifier settings'
          : `account "${accountId}": no password saved in the keychain; enter it in the account settings`,
      );
    let out: string | { plain: string; reEncrypt: boolean };
    try {
      out = await this.cipher.decrypt(blob);
    } catch {
      // The cipher's own error may say anything; the person needs to know what to do.
      throw new SecretError(
        SecretErrorCode.unreadable,
        `${whose(accountId)}: the saved ${noun(accountId)} cannot be decrypted (the system keyring may have been reset); enter it again`,
      );
    }
    const plain = typeof out === 'string' ? out : out.plain;
    if (!plain)
      throw new SecretError(
        SecretErrorCode.missing,
        `${whose(accountId)}: the saved ${noun(accountId)} is empty; enter it in the ${accountId === LLM_SECRET_ID ? 'classifier' : 'account'} settings`,
      );
    if (typeof out !== 'string' && out.reEncrypt) {
      try {
        await this.blobs.write(accountId, await this.cipher.encrypt(plain));
        this.log.info('saved password re-encrypted with the new system key', {
          account: accountId,
        });
      } catch (err) {
        // The old blob still decrypts; try again next time.
        this.log.warn('could not re-encrypt a saved password', { account: accountId, error: err });
      }
    }
    return plain;
  }

  async setPassword(accountId: string, password: string): Promise<void> {
    checkId(accountId);
    if (!password)
      throw new SecretError(
        SecretErrorCode.empty,
        `${whose(accountId)}: the ${noun(accountId)} is empty`,
      );
    await this.blobs.write(accountId, await this.cipher.encrypt(password));
  }

  async deletePassword(accountId: string): Promise<void> {
    checkId(accountId);
    await this.blobs.delete(accountId);
  }

  async hasPassword(accountId: string): Promise<boolean> {
    checkId(accountId);
    return (await this.blobs.read(accountId)) !== undefined;
  }
}

/**
 * What the engine gets when policy refuses the keychain (Linux with the plain-text backend):
 * every keychain account fails with a reason and what to do, instead of "keychain passwords
 * need the desktop app", and nothing is ever saved in the clear.
 */
export function refusingSecretSource(
  decision: Extract<SecretStorageDecision, { ok: false }>,
): SecretSource & {
  setPassword(accountId: string, password: string): Promise<void>;
  deletePassword(accountId: string): Promise<void>;
} {
  const fail = (accountId: string): never => {
    throw new SecretError(
      SecretErrorCode.refused,
      `${whose(accountId)}: ${noun(accountId)}s cannot be kept safely on this system (${decision.reason}); use a ${decision.suggest} instead`,
    );
  };
  return {
    password: (accountId) => Promise.resolve().then(() => fail(accountId)),
    setPassword: (accountId) => Promise.resolve().then(() => fail(accountId)),
    // Nothing was ever kept, so there is nothing to delete.
    deletePassword: () => Promise.resolve(),
  };
}
