import { accountPort, type Account } from '../../../shared/domain/account.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import { classifyError, type Failure } from '../imap/errors.js';
import { ImapSession } from '../imap/imapflow-session.js';
import type { Logger } from '../ports.js';

export type ConnectionTestKind =
  'dns' | 'refused' | 'tls' | 'auth' | 'timeout' | 'no-idle' | 'other';

export type ConnectionTestResult =
  | { ok: true; capabilities: string[]; idle: boolean; move: boolean; folders: number }
  | { ok: false; kind: ConnectionTestKind; message: string };

/**
 * Connect, log in, list the folders and check for IDLE: what the account form's "Test" button
 * shows. Never throws; every failure comes back as a kind and a sentence for a person.
 */
export async function testConnection(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
): Promise<ConnectionTestResult> {
  let session: ImapSession | undefined;
  try {
    session = await ImapSession.create(account, password, settings, log);
    await session.connect();
    const client = session.client;
    const capabilities = [...client.capabilities.keys()].sort();
    const folders = (await client.list()).length;
    const idle = client.capabilities.has('IDLE');
    const move = client.capabilities.has('MOVE');
    if (!idle) {
      return {
        ok: false,
        kind: 'no-idle',
        message:
          `${account.host} accepted the login but does not support IDLE, so Solon cannot be ` +
          'told about new mail as it arrives.',
      };
    }
    return { ok: true, capabilities, idle, move, folders };
  } catch (err) {
    return describeFailure(account, classifyError(err), err);
  } finally {
    await session?.logout();
  }
}

/** What each certificate error code means, in words. */
const certProblems: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "its certificate is self-signed and not trusted (add it as the account's CA file)",
  SELF_SIGNED_CERT_IN_CHAIN:
    "its certificate chain ends in a self-signed CA that is not trusted (add that CA as the account's CA file)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'its certificate cannot be verified: the issuing CA is unknown or the server sends an incomplete chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "its certificate was issued by a CA this computer does not trust (add that CA as the account's CA file)",
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: "its certificate is not valid yet (check this computer's clock)",
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for a different host name',
  ERR_SSL_WRONG_VERSION_NUMBER:
    'it does not speak TLS on this port (try STARTTLS, or the implicit-TLS port 993)',
  EPROTO:
    'the TLS handshake failed (the port may not speak TLS, or the protocol versions do not match)',
};

function describeFailure(
  account: Account,
  f: Failure,
  err: unknown,
): Extract<ConnectionTestResult, { ok: false }> {
  const host = account.host;
  const where = `${host}:${accountPort(account)}`;
  const code = f.code ?? '';
  switch (f.kind) {
    case 'dns':
      return {
        ok: false,
        kind: 'dns',
        message: `Cannot find the server "${host}": the name does not resolve (${code}). Check the spelling, or whether this computer is online.`,
      };
    case 'network':
      if (code === 'ECONNREFUSED')
        return {
          ok: false,
          kind: 'refused',
          message: `${where} refused the connection: nothing is listening on that port. Check the port and that the server is running.`,
        };
      return {
        ok: false,
        kind: 'other',
        message: `Could not connect to ${where}: ${f.reason}.`,
      };
    case 'tls': {
      if (code === 'CA_FILE')
        return {
          ok: false,
          kind: 'tls',
          message: `Cannot use the CA certificate file: ${f.reason}.`,
        };
      const what = certProblems[code];
      return {
        ok: false,
        kind: 'tls',
        message: what
          ? `${where} cannot be trusted: ${what}.`
          : `The secure (TLS) connection to ${where} failed: ${f.reason}.`,
      };
    }
    case 'auth':
      return {
        ok: false,
        kind: 'auth',
        message: `${host} refused the login: wrong user name or password for "${account.user}".`,
      };
    case 'timeout':
      return {
        ok: false,
        kind: 'timeout',
        message: `${where} did not answer in time (${code}). The server may be down, or a firewall may be dropping the connection.`,
      };
    case 'throttled':
      return {
        ok: false,
        kind: 'other',
        message: `${host} is refusing connections for now (too many connections or a rate limit): ${f.reason}.`,
      };
    case 'mailbox-missing':
    case 'closed':
    case 'other': {
      const detail = f.reason || (err instanceof Error ? err.message : String(err));
      return { ok: false, kind: 'other', message: `Connecting to ${where} failed: ${detail}` };
    }
    default: {
      const unreachable: never = f.kind;
      return { ok: false, kind: 'other', message: String(unreachable) };
    }
  }
}
