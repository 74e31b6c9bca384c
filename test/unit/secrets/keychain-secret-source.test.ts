import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PasswordError,
  resolveLlmApiKey,
  resolvePassword,
} from '../../../src/main/core/config/password.js';
import {
  FileBlobStore,
  KeychainSecretSource,
  refusingSecretSource,
  SecretError,
  SecretErrorCode,
  type Cipher,
} from '../../../src/main/core/secrets/keychain-secret-source.js';
import { writePrivateFile } from '../../../src/main/core/secrets/private-file.js';
import { secretStorageDecision } from '../../../src/main/core/secrets/secret-policy.js';
import { Account } from '../../../src/shared/domain/account.js';
import { LLM_SECRET_ID } from '../../../src/shared/domain/config.js';
import type { LogFields } from '../../../src/main/core/ports.js';
import { silentLogger } from '../../../src/main/core/ports.js';

const SECRET = 'hunter2-s3cr3t-ünïcödé';

/** A real cipher (AES-256-GCM, random key) standing in for safeStorage. */
function fakeCipher(): Cipher & { calls: { encrypt: number; decrypt: number } } {
  const key = randomBytes(32);
  const calls = { encrypt: 0, decrypt: 0 };
  return {
    calls,
    encrypt(plain) {
      calls.encrypt++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Promise.resolve(Buffer.concat([iv, c.getAuthTag(), body]));
    },
    decrypt(blob) {
      calls.decrypt++;
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
      d.setAuthTag(blob.subarray(12, 28));
      return Promise.resolve(Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString());
    },
  };
}

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'solon-secrets-'));
  dir = join(root, 'secrets');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function source(cipher: Cipher = fakeCipher()) {
  const blobs = new FileBlobStore(dir);
  return { blobs, src: new KeychainSecretSource(cipher, blobs, silentLogger) };
}

/** What a promise rejected with (it must reject). */
async function rejection(p: Promise<unknown>): Promise<SecretError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SecretError);
  return err as SecretError;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretError);
  expect(err).toBeInstanceOf(PasswordError);
  expect((err as Error).message).not.toContain(SECRET);
  return (err as SecretError).code;
}

describe('KeychainSecretSource', () => {
  it('round-trips a password', async () => {
    const { src } = source();
    await src.setPassword('work', SECRET);
    expect(await src.password('work')).toBe(SECRET);
    expect(await src.hasPassword('work')).toBe(true);
    expect(await src.hasPassword('home')).toBe(false);
    await src.setPassword('work', 'changed');
    expect(await src.password('work')).toBe('changed');
  });

  it('one file per account, 0600, in a 0700 folder, with no plaintext in it', async () => {
    const { src, blobs } = source();
    await src.setPassword('work', SECRET);
    await src.setPassword('Home_2', SECRET);
    expect(readdirSync(dir).sort()).toEqual(['Home_2.secret', 'work.secret']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, 'utf8');
      expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}\n$/);
      expect(text).not.toContain(SECRET);
      expect(Buffer.from(text, 'base64').toString('latin1')).not.toContain('hunter2');
      expect(readFileSync(path).includes(Buffer.from('hunter2'))).toBe(false);
    }
    expect(await blobs.list()).toEqual(['Home_2', 'work']);
  });

  it('a file written in a folder with loose permissions is still 0600', async () => {
    const old = process.umask(0);
    try {
      await writePrivateFile(join(dir, 'x.secret'), 'abc');
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'x.secret')).mode & 0o777).toBe(0o600);
  });

  it('no temp file is left behind', async () => {
    const { src } = source();
    for (let i = 0; i < 5; i++) await src.setPassword('work', `${SECRET}${i}`);
    expect(readdirSync(dir)).toEqual(['work.secret']);
  });

  it('delete removes the file; deleting twice is fine', async () => {
    const { src } = source();
    await src.setPassword('work', SECRET);
    await src.deletePassword('work');
    await src.deletePassword('work');
    expect(existsSync(join(dir, 'work.secret'))).toBe(false);
    expect(await codeOf(src.password('work'))).toBe(SecretErrorCode.missing);
  });

  it('a missing password says what to do', async () => {
    const { src } = source();
    await expect(src.password('work')).rejects.toThrow(
      /account "work": no password saved in the keychain; enter it/,
    );
  });

  it.each(['../escape', 'a/b', '', '.hidden', 'a b', 'x\u0000'])(
    'refuses the id %j and writes nothing',
    async (id) => {
      const { src } = source();
      expect(await codeOf(src.setPassword(id, SECRET))).toBe(SecretErrorCode.invalidId);
      expect(await codeOf(src.password(id))).toBe(SecretErrorCode.invalidId);
      expect(readdirSync(root)).toEqual([]);
    },
  );

  it('keeps the LLM API key under the reserved id ~llm, which no account id can take', async () => {
    const { src, blobs } = source();
    expect(Account.shape.id.safeParse(LLM_SECRET_ID).success).toBe(false);
    await expect(src.password(LLM_SECRET_ID)).rejects.toThrow(
      /LLM endpoint: no API key saved in the keychain/,
    );
    await src.setPassword(LLM_SECRET_ID, SECRET);
    await src.setPassword('work', 'other');
    expect(await src.password(LLM_SECRET_ID)).toBe(SECRET);
    expect(await resolveLlmApiKey({ keychain: true }, src)).toBe(SECRET);
    expect(await blobs.list()).toEqual(['work', '~llm']);
    await src.deletePassword(LLM_SECRET_ID);
    expect(await src.hasPassword(LLM_SECRET_ID)).toBe(false);
    // Only that exact id: its look-alikes stay refused.
    for (const id of ['~llm2', '~', '~work'])
      expect(await codeOf(src.setPassword(id, SECRET))).toBe(SecretErrorCode.invalidId);
  });

  it('refuses an empty password', async () => {
    const { src } = source();
    expect(await codeOf(src.setPassword('work', ''))).toBe(SecretErrorCode.empty);
  });

  it('a blob the cipher cannot decrypt: unreadable, with what to do, not the cipher error', async () => {
    await source(fakeCipher()).src.setPassword('work', SECRET);
    const other = source(fakeCipher()).src; // another key: the keyring was reset
    const err = await rejection(other.password('work'));
    expect(err.code).toBe(SecretErrorCode.unreadable);
    expect(err.message).toMatch(/cannot be decrypted.*enter it again/);
  });

  it.each([
    ['not base64', 'this is not base64!\n'],
    ['torn base64', 'QUJDRA=\n'],
    ['empty', ''],
  ])('a damaged file (%s) is unreadable, not some other bytes', async (_what, text) => {
    const { src } = source();
    await src.setPassword('work', SECRET);
    writeFileSync(join(dir, 'work.secret'), text);
    expect(await codeOf(src.password('work'))).toBe(SecretErrorCode.unreadable);
  });

  it('re-encrypts when the cipher says the key was rotated', async () => {
    const real = fakeCipher();
    const { src } = source(real);
    await src.setPassword('work', SECRET);
    const before = readFileSync(join(dir, 'work.secret'), 'utf8');
    const rotating: Cipher = {
      encrypt: (p) => real.encrypt(p),
      decrypt: async (b) => ({ plain: await real.decrypt(b).then(String), reEncrypt: true }),
    };
    const logged: LogFields[] = [];
    const log = { ...silentLogger, info: (_m: string, f?: LogFields) => void logged.push(f ?? {}) };
    const rot = new KeychainSecretSource(rotating, new FileBlobStore(dir), log);
    expect(await rot.password('work')).toBe(SECRET);
    expect(readFileSync(join(dir, 'work.secret'), 'utf8')).not.toBe(before);
    expect(await src.password('work')).toBe(SECRET);
    expect(JSON.stringify(logged)).not.toContain(SECRET);
  });

  it('is the engine keychain: resolvePassword reads { keychain: true } through it', async () => {
    const { src } = source();
    await src.setPassword('work', SECRET);
    const account = { id: 'work', password: { keychain: true } } as Account;
    expect(await resolvePassword(account, src)).toBe(SECRET);
  });
});

describe('refusingSecretSource', () => {
  it('fails every call with the reason and what to use instead', async () => {
    const decision = secretStorageDecision('basic_text', 'linux');
    if (decision.ok) throw new Error('expected a refusal');
    const src = refusingSecretSource(decision);
    for (const p of [src.password('work'), src.setPassword('work', SECRET)]) {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(SecretError);
      expect(err.code).toBe(SecretErrorCode.refused);
      expect(err.message).toBe(
        'account "work": passwords cannot be kept safely on this system (plain-text backend (no keyring)); use a password command instead',
      );
    }
  });
});
