/**
 * One table that turns what imapflow and Node throw into what the supervisor does next.
 * Branches on imapflow's fields (`authenticationFailed`, `code`, `serverResponseCode`,
 * `tlsFailed`, `mailboxMissing`) and Node's error codes — never on message text, which
 * changes between servers and versions.
 */
export const FailureKind = {
  /** Wrong user or password: stop retrying, tell the user. */
  auth: 'auth',
  /** Server says too many connections / rate limit: back off at least throttleMinMs. */
  throttled: 'throttled',
  /** Certificate not trusted or handshake failed (also what a captive portal looks like). */
  tls: 'tls',
  /** Name lookup failed: probably offline. */
  dns: 'dns',
  /** Refused, reset, unreachable, closed. */
  network: 'network',
  /** A deadline passed (connect, greeting, probe, socket inactivity). */
  timeout: 'timeout',
  /** The watched mailbox does not exist. */
  mailboxMissing: 'mailbox-missing',
  /** The server said BYE or closed the session. */
  closed: 'closed',
  /** Anything else: a protocol error or a bug. */
  other: 'other',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

export interface Failure {
  kind: FailureKind;
  /** For a person: what went wrong, naming what it can. */
  reason: string;
  /** Machine code from the error, when there is one. */
  code?: string;
}

interface ErrorLike {
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  tlsFailed?: unknown;
  mailboxMissing?: unknown;
  responseText?: unknown;
  reason?: unknown;
  message?: unknown;
  path?: unknown;
  throttleReset?: unknown;
}

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'ClosedAfterConnectTLS',
]);
const dnsCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
]);
const timeoutCodes = new Set([
  'ETIMEDOUT',
  'ETIMEOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'PROBE_TIMEOUT',
]);
// RFC 5530 response codes that mean "not now", not "wrong password".
const throttleResponseCodes = new Set(['UNAVAILABLE', 'LIMIT', 'INUSE', 'OVERQUOTA']);
const authResponseCodes = new Set(['AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A Failure carried as an Error, so it can be thrown; classifyError() unwraps it. */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
  }
}

export function classifyError(err: unknown): Failure {
  if (err instanceof FailureError) return err.failure;
  const e: ErrorLike = typeof err === 'object' && err !== null ? err : {};
  const code = str(e.code);
  const responseCode = str(e.serverResponseCode)?.toUpperCase();
  const detail = str(e.responseText) ?? str(e.reason) ?? str(e.message) ?? String(err);

  if (responseCode && throttleResponseCodes.has(responseCode)) {
    return {
      kind: 'throttled',
      reason: `server refused for now (${responseCode}): ${detail}`,
      code: responseCode,
    };
  }
  if (code === 'ETHROTTLE')
    return { kind: 'throttled', reason: `server is throttling: ${detail}`, code };
  if (e.authenticationFailed === true || (responseCode && authResponseCodes.has(responseCode))) {
    return {
      kind: 'auth',
      reason: 'wrong user name or password (the server refused the login)',
      code: responseCode ?? 'AUTHENTICATIONFAILED',
    };
  }
  if (e.mailboxMissing === true) {
    return {
      kind: 'mailbox-missing',
      reason: `mailbox "${str(e.path) ?? '?'}" does not exist on the server`,
      code: 'NONEXISTENT',
    };
  }
  if (
    e.tlsFailed === true ||
    (code && (tlsCodes.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')))
  ) {
    return { kind: 'tls', reason: `TLS failed: ${detail}`, code: code ?? 'TLS' };
  }
  if (code && dnsCodes.has(code))
    return { kind: 'dns', reason: `cannot resolve the server's name (${code})`, code };
  if (code && timeoutCodes.has(code))
    return { kind: 'timeout', reason: `timed out (${code})`, code };
  if (code && networkCodes.has(code))
    return { kind: 'network', reason: `connection failed (${code})`, code };
  if (code === 'StateLogout')
    return { kind: 'closed', reason: 'the server ended the session', code };
  return code ? { kind: 'other', reason: detail, code } : { kind: 'other', reason: detail };
}

/** Does this failure deserve an automatic retry? Auth failures do not: the user must act. */
export function isRetryable(f: Failure): boolean {
  return f.kind !== 'auth';
}
