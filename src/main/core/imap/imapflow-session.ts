import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { accountPort, type Account } from '../../../shared/domain/account.js';
import { systemClock, type Clock, type Logger, type TimerHandle } from '../ports.js';
import { classifyError, FailureError, type Failure } from './errors.js';

/** Timing knobs of one IMAP connection. Defaults in engine-settings.ts, with their reasons. */
export interface SessionTimings {
  connectTimeoutMs: number;
  socketTimeoutMs: number;
  idleRefreshMs: number;
  idleDelayMs: number;
}

/**
 * One imapflow connection, wrapped so that its end is a value, not an event to forget:
 * `ended` resolves (never rejects) with why it ended. imapflow does not reconnect, so a session
 * is used once and discarded; the supervisor makes a new one.
 */
export class ImapSession {
  readonly client: ImapFlow;
  readonly ended: Promise<Failure>;
  private endedWith: Failure | undefined;
  private resolveEnded!: (f: Failure) => void;
  private lastError: Failure | undefined;

  private constructor(
    options: ImapFlowOptions,
    private readonly log: Logger,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.client = new ImapFlow(options);
    // Attach both before connect(): an `error` with no listener would crash the process.
    this.client.on('error', (err: Error) => {
      this.lastError = classifyError(err);
      this.log.debug('imap error', { reason: this.lastError.reason, code: this.lastError.code });
    });
    this.client.on('close', () =>
      this.end(this.lastError ?? { kind: 'closed', reason: 'connection closed', code: 'CLOSED' }),
    );
  }

  static async create(
    account: Account,
    password: string,
    timings: SessionTimings,
    log: Logger,
  ): Promise<ImapSession> {
    const ca = account.caFile ? await readCaFile(account.caFile) : undefined;
    if (account.insecureSkipVerify)
      log.warn('TLS certificate verification is OFF for this account (insecureSkipVerify)');
    const options: ImapFlowOptions = {
      host: account.host,
      port: accountPort(account),
      secure: account.tls === 'implicit',
      doSTARTTLS: account.tls === 'starttls' ? true : undefined,
      auth: { user: account.user, pass: password },
      tls: {
        rejectUnauthorized: !account.insecureSkipVerify,
        // A CA file adds to the system roots rather than replacing them.
        ...(ca ? { ca: [ca, ...rootCertificates] } : {}),
        minVersion: 'TLSv1.2',
      },
      logger: imapflowLogger(log),
      // We probe and refresh IDLE ourselves on our own clock (see MailboxWatcher); imapflow's
      // own IDLE restart covers servers that drop quiet IDLE sessions.
      maxIdleTime: timings.idleRefreshMs,
      autoIdleDelay: timings.idleDelayMs,
      socketTimeout: timings.socketTimeoutMs,
      connectionTimeout: timings.connectTimeoutMs,
      greetingTimeout: timings.connectTimeoutMs,
      disableCompression: true,
      clientInfo: { name: 'Solon' },
    };
    return new ImapSession(options, log);
  }

  /** Connect and log in. Rejects with a classified Failure. */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      const f = classifyError(err);
      this.end(f);
      throw new FailureError(f);
    }
  }

  get usable(): boolean {
    return this.endedWith === undefined && this.client.usable;
  }

  /**
   * NOOP with a deadline: the one reliable liveness check. A NOOP on a blackholed connection
   * never completes, and a NOOP can resolve on a dead or BYE'd one, so check `usable` too.
   */
  async probe(deadlineMs: number, clock: Clock = systemClock): Promise<Failure | undefined> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<Failure>((resolve) => {
      timer = clock.setTimeout(
        () =>
          resolve({
            kind: 'timeout',
            reason: `no answer to NOOP within ${Math.round(deadlineMs / 1000)} s`,
            code: 'PROBE_TIMEOUT',
          }),
        deadlineMs,
      );
    });
    const noop = this.client.noop().then(
      () =>
        this.usable
          ? undefined
          : (this.endedWith ?? {
              kind: 'closed' as const,
              reason: 'connection closed',
              code: 'CLOSED',
            }),
      (err: unknown) => classifyError(err),
    );
    try {
      return await Promise.race([noop, timeout, this.ended]);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Mark the session over with a reason and drop the socket. Safe to call many times. */
  discard(reason?: Failure): void {
    if (reason) this.end(reason);
    try {
      this.client.close();
    } catch {
      // already closed
    }
    this.end({ kind: 'closed', reason: 'connection closed by Solon', code: 'DISCARDED' });
  }

  /** Polite goodbye (LOGOUT) with a short deadline, then discard. */
  async logout(deadlineMs = 2_000): Promise<void> {
    if (this.usable) {
      await Promise.race([
        this.client.logout().catch(() => undefined),
        new Promise((r) => setTimeout(r, deadlineMs).unref()),
      ]);
    }
    this.discard({ kind: 'closed', reason: 'logged out', code: 'LOGOUT' });
  }

  private end(f: Failure): void {
    if (this.endedWith) return;
    this.endedWith = f;
    this.resolveEnded(f);
  }
}

/** imapflow logs objects; route them through our logger at debug level, credentials never included. */
function imapflowLogger(log: Logger): ImapFlowOptions['logger'] {
  const pass = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: unknown) => {
    const o = (obj ?? {}) as Record<string, unknown>;
    const msg = typeof o.msg === 'string' ? o.msg : 'imapflow';
    const fields: Record<string, unknown> = {};
    for (const k of ['cid', 'code', 'err'])
      if (o[k] !== undefined)
        fields[k] = k === 'err' ? String((o[k] as Error)?.message ?? o[k]) : o[k];
    // imapflow's info lines are connection chatter; keep them at debug.
    if (level === 'info' || level === 'debug') log.debug(msg, fields);
    else log[level](msg, fields);
  };
  return {
    debug: process.env.SOLON_IMAP_DEBUG ? pass('debug') : () => undefined,
    info: pass('info'),
    warn: pass('debug'),
    error: pass('debug'),
  };
}

/**
 * The account's CA file, or a TLS failure that says what is wrong with it: a file that cannot
 * be read, or one without a PEM certificate in it (Node would take it silently and then call
 * the server's certificate untrusted, which sends the user looking in the wrong place).
 */
async function readCaFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new FailureError({
      kind: 'tls',
      code: 'CA_FILE',
      reason: `cannot read the CA file ${file} (${code})`,
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new FailureError({
      kind: 'tls',
      code: 'CA_FILE',
      reason: `the CA file ${file} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)`,
    });
  return text;
}
