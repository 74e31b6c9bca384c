import { execFile } from 'node:child_process';
import type { Account, PasswordSource } from '../../../shared/domain/account.js';
import { LLM_SECRET_ID } from '../../../shared/domain/config.js';
import type { SecretSource } from '../ports.js';

/** Why a password could not be had; says which account and which source, never the secret. */
export class PasswordError extends Error {}

/**
 * Fetch an account's password from where its config says: a command (`pass show mail/work`:
 * the first line of its stdout, as mbsync's PassCmd), an environment variable, or the keychain
 * through the injected SecretSource. Asked per connection, so a rotated password just works.
 */
export async function resolvePassword(
  account: Account,
  keychain?: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return resolveSecret(
    account.password,
    { label: `account "${account.id}"`, keychainId: account.id, what: 'password' },
    keychain,
    env,
  );
}

/** The LLM endpoint's API key from its source (the keychain keeps it under LLM_SECRET_ID). */
export async function resolveLlmApiKey(
  source: PasswordSource,
  keychain?: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return resolveSecret(
    source,
    { label: 'LLM API key', keychainId: LLM_SECRET_ID, what: 'API key' },
    keychain,
    env,
  );
}

/**
 * A secret from a PasswordSource. Errors name `who.label` and the source, never the secret nor
 * the command's output.
 */
export async function resolveSecret(
  src: PasswordSource,
  who: { label: string; keychainId: string; what: string },
  keychain?: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const { label, what } = who;
  if ('env' in src) {
    const v = env[src.env];
    if (v === undefined || v === '')
      throw new PasswordError(`${label}: environment variable ${src.env} is not set`);
    return v;
  }
  if ('command' in src) {
    return await new Promise((resolve, reject) => {
      execFile(
        '/bin/sh',
        ['-c', src.command],
        { timeout: 30_000, maxBuffer: 64 * 1024, env },
        (err, stdout) => {
          if (err) {
            // The command's stderr may hold anything; name only the command and the exit.
            const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
            const how =
              e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
                ? 'printed too much (over 64 KiB of output)'
                : e.killed && e.signal === 'SIGTERM'
                  ? 'timed out after 30 s'
                  : e.signal
                    ? `was killed by ${e.signal}`
                    : `exited with ${String(e.code)}`;
            return reject(new PasswordError(`${label}: ${what} command ${how}`));
          }
          const line = stdout.split(/\r?\n/)[0] ?? '';
          if (!line) return reject(new PasswordError(`${label}: ${what} command printed nothing`));
          resolve(line);
        },
      );
    });
  }
  if (!keychain)
    throw new PasswordError(
      `${label}: keychain ${what}s need the desktop app; use a ${what} command or env variable headless`,
    );
  return keychain.password(who.keychainId);
}
