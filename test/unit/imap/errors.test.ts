import { AuthenticationFailure, createImapError } from 'imapflow/lib/errors.js';
import { describe, expect, it } from 'vitest';
import {
  FailureKind,
  classifyError,
  isRetryable,
  type Failure,
} from '../../../src/main/core/imap/errors.js';

/** An Error with extra fields, the way imapflow and Node attach them. */
function withFields(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

/** Node's system-call errors (net.connect, dns.lookup) carry code, errno and syscall. */
function nodeSysError(code: string, syscall: string, message = `${syscall} ${code}`): Error {
  return withFields(message, { code, errno: -1, syscall, address: '192.0.2.1', port: 993 });
}

function authFailure(message: string, serverResponseCode?: string): Error {
  const err = new AuthenticationFailure(message);
  if (serverResponseCode !== undefined) err.serverResponseCode = serverResponseCode;
  err.response = 'A2 NO [AUTHENTICATIONFAILED] Authentication failed.';
  return err;
}

/** Builders keyed by name; each returns a fresh error so a test can vary its message. */
const cases: {
  name: string;
  make: (message: string) => unknown;
  kind: FailureKind;
  code?: string;
}[] = [
  // imapflow: login refused
  {
    name: 'AuthenticationFailure with AUTHENTICATIONFAILED',
    make: (m) => authFailure(m, 'AUTHENTICATIONFAILED'),
    kind: 'auth',
    code: 'AUTHENTICATIONFAILED',
  },
  {
    name: 'AuthenticationFailure without a response code',
    make: (m) => authFailure(m),
    kind: 'auth',
    code: 'AUTHENTICATIONFAILED',
  },
  {
    name: 'NO [AUTHORIZATIONFAILED] without the flag',
    make: (m) => withFields(m, { responseStatus: 'NO', serverResponseCode: 'AUTHORIZATIONFAILED' }),
    kind: 'auth',
    code: 'AUTHORIZATIONFAILED',
  },
  {
    name: 'NO [EXPIRED] (lower case code)',
    make: (m) => withFields(m, { responseStatus: 'NO', serverResponseCode: 'expired' }),
    kind: 'auth',
    code: 'EXPIRED',
  },
  // imapflow: "not now" response codes (RFC 5530) and ETHROTTLE
  {
    name: 'NO [UNAVAILABLE] even with authenticationFailed (temporary auth failure)',
    make: (m) => withFields(m, { authenticationFailed: true, serverResponseCode: 'UNAVAILABLE' }),
    kind: 'throttled',
    code: 'UNAVAILABLE',
  },
  {
    name: 'NO [LIMIT]',
    make: (m) => withFields(m, { responseStatus: 'NO', serverResponseCode: 'LIMIT' }),
    kind: 'throttled',
    code: 'LIMIT',
  },
  {
    name: 'NO [INUSE]',
    make: (m) => withFields(m, { responseStatus: 'NO', serverResponseCode: 'INUSE' }),
    kind: 'throttled',
    code: 'INUSE',
  },
  {
    name: 'ETHROTTLE from createImapError',
    make: (m) => createImapError(m, 'ETHROTTLE', { throttleReset: 92_415 }),
    kind: 'throttled',
    code: 'ETHROTTLE',
  },
  // imapflow: mailbox
  {
    name: 'SELECT NO with mailboxMissing',
    make: (m) =>
      withFields(m, {
        responseStatus: 'NO',
        serverResponseCode: 'NONEXISTENT',
        mailboxMissing: true,
        path: 'Lists/Debian',
      }),
    kind: 'mailbox-missing',
    code: 'NONEXISTENT',
  },
  // TLS: imapflow's flag and Node's codes
  {
    name: 'tlsFailed on a plain Error (STARTTLS required, not offered)',
    make: (m) => withFields(m, { tlsFailed: true }),
    kind: 'tls',
    code: 'TLS',
  },
  {
    name: 'STARTTLS_INJECTION with tlsFailed',
    make: (m) => createImapError(m, 'STARTTLS_INJECTION', { tlsFailed: true }),
    kind: 'tls',
    code: 'STARTTLS_INJECTION',
  },
  {
    name: 'Node DEPTH_ZERO_SELF_SIGNED_CERT',
    make: (m) => withFields(m, { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    kind: 'tls',
    code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  },
  {
    name: 'Node ERR_TLS_CERT_ALTNAME_INVALID',
    make: (m) =>
      withFields(m, {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        reason: "Host: imap.example.org. is not in the cert's altnames: DNS:localhost",
        host: 'imap.example.org',
      }),
    kind: 'tls',
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  },
  {
    name: 'Node ERR_SSL_* (prefix match)',
    make: (m) => withFields(m, { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }),
    kind: 'tls',
    code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  },
  {
    name: 'ClosedAfterConnectTLS',
    make: (m) => createImapError(m, 'ClosedAfterConnectTLS'),
    kind: 'tls',
    code: 'ClosedAfterConnectTLS',
  },
  // DNS
  {
    name: 'Node ENOTFOUND',
    make: (m) => nodeSysError('ENOTFOUND', 'getaddrinfo', m),
    kind: 'dns',
    code: 'ENOTFOUND',
  },
  {
    name: 'Node EAI_AGAIN',
    make: (m) => nodeSysError('EAI_AGAIN', 'getaddrinfo', m),
    kind: 'dns',
    code: 'EAI_AGAIN',
  },
  // network
  {
    name: 'Node ECONNREFUSED',
    make: (m) => nodeSysError('ECONNREFUSED', 'connect', m),
    kind: 'network',
    code: 'ECONNREFUSED',
  },
  {
    name: 'Node ECONNRESET',
    make: (m) => nodeSysError('ECONNRESET', 'read', m),
    kind: 'network',
    code: 'ECONNRESET',
  },
  {
    name: 'Node EHOSTUNREACH',
    make: (m) => nodeSysError('EHOSTUNREACH', 'connect', m),
    kind: 'network',
    code: 'EHOSTUNREACH',
  },
  {
    name: 'imapflow NoConnection',
    make: (m) => createImapError(m, 'NoConnection'),
    kind: 'network',
    code: 'NoConnection',
  },
  {
    name: 'imapflow EConnectionClosed',
    make: (m) => createImapError(m, 'EConnectionClosed'),
    kind: 'network',
    code: 'EConnectionClosed',
  },
  // timeouts
  {
    name: 'Node ETIMEDOUT',
    make: (m) => nodeSysError('ETIMEDOUT', 'connect', m),
    kind: 'timeout',
    code: 'ETIMEDOUT',
  },
  {
    name: 'imapflow CONNECT_TIMEOUT',
    make: (m) => createImapError(m, 'CONNECT_TIMEOUT'),
    kind: 'timeout',
    code: 'CONNECT_TIMEOUT',
  },
  {
    name: 'imapflow GREETING_TIMEOUT',
    make: (m) => createImapError(m, 'GREETING_TIMEOUT'),
    kind: 'timeout',
    code: 'GREETING_TIMEOUT',
  },
  {
    name: 'imapflow ETIMEOUT (socket inactivity)',
    make: (m) => createImapError(m, 'ETIMEOUT'),
    kind: 'timeout',
    code: 'ETIMEOUT',
  },
  // session end
  {
    name: 'imapflow StateLogout',
    make: (m) => createImapError(m, 'StateLogout'),
    kind: 'closed',
    code: 'StateLogout',
  },
  // everything else
  {
    name: 'a parser error',
    make: (m) => createImapError(m, 'ParserError11'),
    kind: 'other',
    code: 'ParserError11',
  },
  {
    name: 'BAD without a code',
    make: (m) => withFields(m, { responseStatus: 'BAD', responseText: 'Unknown command' }),
    kind: 'other',
  },
  { name: 'a plain Error', make: (m) => new Error(m), kind: 'other' },
];

describe('classifyError', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const f = classifyError(c.make('something went wrong'));
    expect(f.kind).toBe(c.kind);
    expect(f.code).toBe(c.code);
    expect(typeof f.reason).toBe('string');
    expect(f.reason.length).toBeGreaterThan(0);
  });

  // Messages that name some other failure, to show the message is never read for the kind.
  const misleading = [
    '',
    'authentication failed',
    'Too many connections, try again later',
    'self signed certificate',
    'getaddrinfo ENOTFOUND imap.example.org',
    'connect ECONNREFUSED 127.0.0.1:993',
    'Connection timed out',
    'Mailbox does not exist',
    'Server sent BYE',
  ];

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: same fields, any message → same kind',
    (_name, c) => {
      for (const message of misleading) {
        const f = classifyError(c.make(message));
        expect({ message, kind: f.kind, code: f.code }).toEqual({
          message,
          kind: c.kind,
          code: c.code,
        });
      }
    },
  );

  it.each([
    ['authentication failed', 'ECONNRESET', 'network'],
    ['[AUTHENTICATIONFAILED] Invalid credentials', 'ECONNREFUSED', 'network'],
    ['authentication failed', 'ETIMEDOUT', 'timeout'],
    ['Too many simultaneous connections', 'ECONNRESET', 'network'],
    ['certificate has expired', 'ENOTFOUND', 'dns'],
  ] as const)('message "%s" with code %s is %s', (message, code, kind) => {
    expect(classifyError(withFields(message, { code })).kind).toBe(kind);
  });

  it('reads responseText in place of the message, but never for the kind', () => {
    const err = withFields('Command failed', {
      responseStatus: 'NO',
      responseText: 'Authentication failed.',
    });
    expect(classifyError(err)).toEqual({ kind: 'other', reason: 'Authentication failed.' });
  });

  it('names the missing mailbox', () => {
    const f = classifyError(withFields('x', { mailboxMissing: true, path: 'Lists/Debian' }));
    expect(f.reason).toContain('"Lists/Debian"');
  });

  it('puts the server text of a throttle in the reason', () => {
    const f = classifyError(
      withFields('Command failed', {
        serverResponseCode: 'LIMIT',
        responseText: 'Too many connections from your IP',
      }),
    );
    expect(f.reason).toContain('Too many connections from your IP');
    expect(f.reason).toContain('LIMIT');
  });

  it('does not put the server text of an auth failure in the reason', () => {
    // Servers sometimes echo the user name back; the reason is fixed wording.
    const f = classifyError(
      authFailure('Invalid login for alice@example.org', 'AUTHENTICATIONFAILED'),
    );
    expect(f.reason).not.toContain('alice');
  });

  it.each([
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an object with a non-string code', { code: 104 }],
    ['an object with an empty code', { code: '' }],
    ['authenticationFailed that is not strictly true', { authenticationFailed: 'yes' }],
  ])('never throws on %s and calls it other', (_what, value) => {
    const f = classifyError(value);
    expect(f.kind).toBe('other');
    expect(typeof f.reason).toBe('string');
  });
});

describe('isRetryable', () => {
  const all = Object.values(FailureKind);

  it.each(all)('%s', (kind) => {
    const f: Failure = { kind, reason: 'r' };
    expect(isRetryable(f)).toBe(kind !== 'auth');
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s, classified, is retryable unless it is auth',
    (_name, c) => {
      expect(isRetryable(classifyError(c.make('x')))).toBe(c.kind !== 'auth');
    },
  );

  it('covers every kind in the table', () => {
    const seen = new Set(cases.map((c) => c.kind));
    expect([...seen].sort()).toEqual([...all].sort());
  });
});
