import type { Account } from '../../shared/domain/account.js';
import type { SolonConfig } from '../../shared/domain/config.js';
import { testLlmEndpoint } from './classify/llm/index.js';
import { resolveLlmApiKey, resolvePassword } from './config/password.js';
import { ImapSession } from './imap/imapflow-session.js';
import { classifyError, type Failure } from './imap/errors.js';
import type { Logger, SecretSource } from './ports.js';

export interface AccountCheck {
  accountId: string;
  ok: boolean;
  /** The failure, classified (wrong password, TLS, refused, DNS …). */
  failure?: Failure;
  capabilities: string[];
  folders: string[];
  /** Problems that will bite later: a watched mailbox or a rule's target folder that does not exist, no IDLE. */
  warnings: string[];
}

/** Log in to each account, list its folders, and check the config against what the server has. */
export async function checkAccounts(
  config: SolonConfig,
  log: Logger,
  keychain?: SecretSource,
): Promise<AccountCheck[]> {
  return Promise.all(
    config.accounts.map((a) => checkAccount(a, config, log.child({ account: a.id }), keychain)),
  );
}

async function checkAccount(
  account: Account,
  config: SolonConfig,
  log: Logger,
  keychain?: SecretSource,
): Promise<AccountCheck> {
  const result: AccountCheck = {
    accountId: account.id,
    ok: false,
    capabilities: [],
    folders: [],
    warnings: [],
  };
  let session: ImapSession | undefined;
  try {
    const password = await resolvePassword(account, keychain);
    session = await ImapSession.create(account, password, config.engine, log);
    await session.connect();
    const client = session.client;
    result.capabilities = [...client.capabilities.keys()].sort();
    result.folders = (await client.list()).map((m) => m.path).sort();
    const has = new Set(result.folders.map((f) => (f.toUpperCase() === 'INBOX' ? 'INBOX' : f)));
    if (!client.capabilities.has('IDLE'))
      result.warnings.push(
        'the server does not support IDLE: new mail will be noticed only by polling',
      );
    const missing = account.mailboxes.filter((m) => !has.has(m));
    if (missing.length > 0) {
      // Login works, but `run` could never watch this: a failure, not a warning.
      result.failure = {
        kind: 'mailbox-missing',
        reason: `watched mailbox ${missing.map((m) => `"${m}"`).join(', ')} does not exist on the server`,
        code: 'NONEXISTENT',
      };
    }
    const targets = new Set<string>();
    for (const r of config.rules)
      for (const a of r.actions) if (a.type === 'move' || a.type === 'copy') targets.add(a.folder);
    for (const c of config.categories)
      for (const a of c.actions) if (a.type === 'move' || a.type === 'copy') targets.add(a.folder);
    for (const t of targets)
      if (!has.has(t)) result.warnings.push(`rule target folder "${t}" does not exist`);
    result.ok = result.failure === undefined;
  } catch (err) {
    result.failure = classifyError(err);
  } finally {
    await session?.logout();
  }
  return result;
}

export interface LlmCheck {
  ok: boolean;
  /** What the endpoint said, for a person (models listed, or what failed). */
  message: string;
  ms: number;
}

/**
 * The LLM endpoint, when the config enables it: GET /models with the configured key. Undefined
 * when the classifier is off. An unavailable key is a failure, named.
 */
export async function checkLlm(
  config: SolonConfig,
  keychain?: SecretSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LlmCheck | undefined> {
  const llm = config.llm;
  if (!llm?.enabled) return undefined;
  let key: string | undefined;
  if (llm.apiKey) {
    try {
      key = await resolveLlmApiKey(llm.apiKey, keychain, env);
    } catch (err) {
      return { ok: false, message: (err as Error).message, ms: 0 };
    }
  }
  const r = await testLlmEndpoint(llm, key);
  return { ok: r.ok, message: r.message, ms: r.ms };
}
