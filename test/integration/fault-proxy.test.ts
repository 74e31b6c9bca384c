// Proves the fault-injection proxy (test/helpers/fault-proxy.ts) against a real private Dovecot
// and real imapflow clients, and records what imapflow reports for each fault. No sleeps: every
// wait is on an event with a deadline; "never completes" is asserted by racing a timer.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { X509Certificate } from 'node:crypto';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dovecot } from '../helpers/dovecot';
import { startFaultProxy, TlsRecordTracker, type FaultProxy } from '../helpers/fault-proxy';
import { useDovecot } from '../helpers/use-dovecot';

/** Deadline for anything that should happen (it normally takes milliseconds). */
const EVENT_DEADLINE_MS = 5_000;
/** How long something that must not happen is given to happen anyway. */
const NEVER_MS = 1_000;
/** "Promptly": an RST or refusal must reach the client well within this. */
const PROMPT_MS = 1_000;

const dovecot = useDovecot();

type NetError = Error & { code?: string };

/** An imapflow client with everything it reports recorded from before connect(). */
interface Watched {
  client: ImapFlow;
  errors: NetError[];
  /** Resolves with the first 'error'. */
  errored: Promise<NetError>;
  /** Resolves with performance.now() at 'close'. */
  closed: Promise<number>;
  isClosed: () => boolean;
}

let proxy: FaultProxy;
const clients: ImapFlow[] = [];

beforeEach(async () => {
  proxy = await startFaultProxy({ host: dovecot().host, port: dovecot().tlsPort });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy.stop();
  expect(proxy.open).toBe(0);
});

function watch(client: ImapFlow): Watched {
  const errors: NetError[] = [];
  let closed = false;
  // Attached before connect(): with no 'error' listener an RST would crash the worker.
  const errored = new Promise<NetError>((resolve) => {
    client.on('error', (err: NetError) => {
      errors.push(err);
      resolve(err);
    });
  });
  const closedAt = new Promise<number>((resolve) => {
    client.once('close', () => {
      closed = true;
      resolve(performance.now());
    });
  });
  clients.push(client);
  return { client, errors, errored, closed: closedAt, isClosed: () => closed };
}

/** A client for alice over implicit TLS through `via`, verifying Dovecot's certificate. */
function tlsClient(via: FaultProxy, opts: Partial<ImapFlowOptions> = {}): Watched {
  const d = dovecot();
  return watch(
    new ImapFlow({
      host: via.host,
      port: via.port,
      secure: true,
      tls: { ca: [d.caPem] },
      auth: { user: 'alice', pass: 'alice-secret' },
      logger: false,
      disableAutoIdle: true,
      ...opts,
    }),
  );
}

/** Resolve with `promise`'s value, or reject naming `what` after the deadline. */
async function within<T>(promise: Promise<T>, what: string, ms = EVENT_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` settles (either way) within `ms`. The promise is not left unhandled. */
async function settlesWithin(promise: Promise<unknown>, ms = NEVER_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    const settled = promise.then(
      () => true,
      () => true,
    );
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<NetError> {
  try {
    await promise;
  } catch (err) {
    return err as NetError;
  }
  throw new Error('expected a rejection');
}

/** Connect a raw TCP socket; resolves with the connect error code, or 'connected'. */
function rawConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NetError) => resolve(err.code ?? String(err)));
  });
}

function message(subject: string): string {
  return [
    'From: Sender <sender@example.org>',
    'To: alice@example.org',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}-${Date.now()}@example.org>`,
    '',
    'Body.',
    '',
  ].join('\r\n');
}

/** A TLS record header plus `length` body bytes (application data, TLS 1.2 version field). */
function record(length: number): Buffer {
  return Buffer.concat([
    Buffer.from([23, 3, 3, length >> 8, length & 0xff]),
    Buffer.alloc(length, 0xaa),
  ]);
}

describe('TLS record tracking for the cut', () => {
  it('cuts strictly inside a record, never on a record boundary', () => {
    const tracker = new TlsRecordTracker();
    // One 21-byte record: the middle is inside it.
    expect(tracker.cutOffset(record(16))).toBe(10);
    // Two 8-byte records: the middle (8) is a boundary, so the next offset inside one is taken.
    expect(tracker.cutOffset(Buffer.concat([record(3), record(3)]))).toBe(9);
  });

  it('follows records across chunks', () => {
    const tracker = new TlsRecordTracker();
    const whole = Buffer.concat([record(10), record(4)]);
    // Forward the first record and 2 bytes of the second header whole...
    tracker.feed(whole.subarray(0, 17));
    // ...so a 1-byte chunk continues a record: forwarding none of it still stops mid-record.
    expect(tracker.cutOffset(whole.subarray(17, 18))).toBe(0);
    // The rest (3 header bytes + 4 body bytes) has no boundary but its end.
    expect(tracker.cutOffset(whole.subarray(17))).toBe(3);
  });
});

describe('fault proxy with bulk data (local echo server)', () => {
  it('keeps 8 MiB intact and in order through a blackhole, backpressure and resume', async () => {
    const echo = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const p = await startFaultProxy({
      host: '127.0.0.1',
      port: (echo.address() as net.AddressInfo).port,
    });
    const socket = net.connect({ host: p.host, port: p.port, allowHalfOpen: true });
    socket.on('error', () => undefined);
    try {
      const payload = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
      await within(
        p.until((q) => q.open === 1),
        'the connection to be accepted',
      );
      p.blackhole();
      // Far more than the proxy queues (1 MiB), so reading pauses and resumes on the way.
      socket.end(payload);
      expect(await settlesWithin(ended, 300)).toBe(false);
      expect(received).toEqual([]);
      p.pass({ resumeExisting: true });
      await within(ended, 'the echoed payload and FIN', 20_000);
      expect(Buffer.concat(received).equals(payload)).toBe(true);
      await within(
        p.until((q) => q.open === 0),
        'the connection to close after FIN both ways',
      );
    } finally {
      socket.destroy();
      await p.stop();
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});

describe('fault proxy between imapflow and Dovecot', () => {
  it('pass: forwards implicit TLS end to end; the certificate verifies for 127.0.0.1', async () => {
    const d: Dovecot = dovecot();
    expect(new X509Certificate(d.caPem).subjectAltName).toContain('IP Address:127.0.0.1');
    const w = tlsClient(proxy);
    await within(w.client.connect(), 'connect through the proxy');
    expect(w.client.tls && w.client.tls.authorized).toBe(true);
    await within(w.client.noop(), 'NOOP');
    expect(proxy.accepted).toBe(1);
    expect(proxy.open).toBe(1);
    await within(w.client.logout(), 'LOGOUT');
    await within(
      proxy.until((p) => p.open === 0),
      'the proxied connection to close',
    );
    expect(w.errors).toEqual([]);
  });

  it("resetAll: imapflow emits 'error' ECONNRESET then 'close', within milliseconds", async () => {
    const w = tlsClient(proxy);
    await within(w.client.connect(), 'connect');
    const t0 = performance.now();
    proxy.resetAll();
    const err = await within(w.errored, "'error' after the reset", PROMPT_MS);
    expect(err.code).toBe('ECONNRESET');
    const closedAt = await within(w.closed, "'close' after the reset", PROMPT_MS);
    expect(closedAt - t0).toBeLessThan(PROMPT_MS);
    await within(
      proxy.until((p) => p.open === 0),
      'both proxy sockets to close',
    );
    expect(w.errors).toHaveLength(1);
  });

  it('blackhole: a NOOP never completes, the socket stays open; pass() serves only new connections', async () => {
    const old = tlsClient(proxy);
    await within(old.client.connect(), 'connect');
    await within(old.client.noop(), 'NOOP before the fault');
    const openBefore = proxy.open;

    proxy.blackhole();
    const stuck = old.client.noop();
    // New connections are blackholed too: TCP connects, the TLS handshake never completes.
    const held = tlsClient(proxy);
    const heldConnect = held.client.connect();
    expect(await settlesWithin(Promise.race([stuck, heldConnect]))).toBe(false);
    expect(proxy.open).toBe(openBefore + 1);
    expect(old.isClosed()).toBe(false);
    expect(old.errors).toEqual([]);

    proxy.pass();
    const fresh = tlsClient(proxy);
    await within(fresh.client.connect(), 'a new connection after pass()');
    await within(fresh.client.noop(), 'NOOP on the new connection');
    // The connections from before pass() are still black.
    expect(await settlesWithin(Promise.race([stuck, heldConnect]))).toBe(false);
    expect(proxy.open).toBe(openBefore + 2);
    expect([old, held, fresh].map((w) => w.errors.length + Number(w.isClosed()))).toEqual([
      0, 0, 0,
    ]);
  });

  it('blackhole then pass({ resumeExisting }): held bytes are delivered, nothing was lost', async () => {
    const old = tlsClient(proxy);
    await within(old.client.connect(), 'connect');
    proxy.blackhole();
    const stuck = old.client.noop();
    const held = tlsClient(proxy);
    const heldConnect = held.client.connect();
    expect(await settlesWithin(Promise.race([stuck, heldConnect]))).toBe(false);

    proxy.pass({ resumeExisting: true });
    await within(stuck, 'the held NOOP after resume');
    await within(heldConnect, 'the held connection attempt after resume');
    await within(held.client.noop(), 'NOOP on the resumed new connection');
    expect([...old.errors, ...held.errors]).toEqual([]);
  });

  it('newPath: old connections stay black forever (even after pass), new ones work', async () => {
    const old = tlsClient(proxy);
    await within(old.client.connect(), 'connect');
    proxy.blackhole();
    const stuck = old.client.noop();
    proxy.newPath();
    const fresh = tlsClient(proxy);
    await within(fresh.client.connect(), 'a connection on the new path');
    await within(fresh.client.noop(), 'NOOP on the new path');
    proxy.pass({ resumeExisting: true });
    expect(await settlesWithin(stuck)).toBe(false);
    expect(old.isClosed()).toBe(false);
    expect(old.errors).toEqual([]);
    expect(proxy.open).toBe(2);
  });

  it("cutTlsMidRecord during IDLE: the EXISTS record is cut, imapflow sees 'close' and no 'error'", async () => {
    const d = dovecot();
    const w = tlsClient(proxy, { emitLogs: true });
    const existsSeen: unknown[] = [];
    w.client.on('exists', (e: unknown) => existsSeen.push(e));
    await within(w.client.connect(), 'connect');
    await within(w.client.mailboxOpen('INBOX'), 'SELECT INBOX');
    // Armed after login, so the AUTHENTICATE continuation does not count: the next '+' from
    // the server is the one that acknowledges IDLE.
    const idleAcknowledged = new Promise<void>((resolve) => {
      w.client.on('log', (entry: { src?: string; msg?: string }) => {
        if (entry.src === 's' && entry.msg?.startsWith('+')) resolve();
      });
    });
    const idle = w.client.idle().then(
      () => 'resolved',
      (err: NetError) => `rejected ${err.code ?? err.message}`,
    );
    await within(idleAcknowledged, "Dovecot's '+ idling'");

    const cut = proxy.cutTlsMidRecord();
    // The session is idle: nothing is cut until Dovecot has something to say.
    expect(await settlesWithin(cut, 200)).toBe(false);
    await d.append('alice', 'INBOX', message('cut mid record'));
    expect(await within(cut, 'the cut (EXISTS arrives ~500 ms after the append)')).toBe(1);
    const closedAt = await within(w.closed, "imapflow 'close' after the cut", PROMPT_MS);
    expect(closedAt).toBeGreaterThan(0);
    // What imapflow reports for a TLS stream that ends mid-record with a FIN: 'close', no
    // 'error', and the EXISTS notice inside the cut record is lost.
    expect(w.errors).toEqual([]);
    expect(existsSeen).toEqual([]);
    expect(await within(idle, 'idle() to settle')).toBe('resolved');
    await within(
      proxy.until((p) => p.open === 0),
      'both proxy sockets to close',
    );
  });

  it('refuse (reset): attempts fail fast with ECONNRESET and are counted; refuse(false) serves again', async () => {
    const port = proxy.port;
    await proxy.refuse(true);
    for (let i = 0; i < 3; i++) {
      const w = tlsClient(proxy);
      const t0 = performance.now();
      const err = await within(rejectionOf(w.client.connect()), 'connect() to fail', PROMPT_MS);
      expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
      expect(err.code).toBe('ECONNRESET');
      await within(w.closed, "'close' after the refused connect", PROMPT_MS);
      // connect() owns the error: no 'error' event is emitted as well.
      expect(w.errors).toEqual([]);
    }
    expect(proxy.refusedAttempts).toBe(3);
    expect(proxy.accepted).toBe(3);
    expect(proxy.open).toBe(0);

    await proxy.refuse(false);
    expect(proxy.port).toBe(port);
    const ok = tlsClient(proxy);
    await within(ok.client.connect(), 'connect after refuse(false)');
    await within(ok.client.noop(), 'NOOP after refuse(false)');
    expect(proxy.refusedAttempts).toBe(3);
  });

  it('refuse (closed): a real ECONNREFUSED, open connections survive, refuse(false) relistens on the same port', async () => {
    const port = proxy.port;
    const survivor = tlsClient(proxy);
    await within(survivor.client.connect(), 'connect before refusing');
    await proxy.refuse(true, 'closed');
    expect(await rawConnect(port)).toBe('ECONNREFUSED');
    const w = tlsClient(proxy);
    const t0 = performance.now();
    const err = await within(rejectionOf(w.client.connect()), 'connect() to fail', PROMPT_MS);
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
    expect(err.code).toBe('ECONNREFUSED');
    await within(w.closed, "'close' after the refused connect", PROMPT_MS);
    expect(w.errors).toEqual([]);
    expect(proxy.refusedAttempts).toBe(0);
    await within(survivor.client.noop(), 'NOOP on the connection opened before refusing');

    await proxy.refuse(false);
    expect(proxy.port).toBe(port);
    const ok = tlsClient(proxy);
    await within(ok.client.connect(), 'connect after refuse(false)');
    await within(ok.client.noop(), 'NOOP after refuse(false)');
  });

  it('latency: a NOOP round trip takes at least twice the added latency', async () => {
    const w = tlsClient(proxy);
    await within(w.client.connect(), 'connect');
    const ms = 150;
    proxy.latency(ms);
    const t0 = performance.now();
    await within(w.client.noop(), 'NOOP with latency');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * ms);
    proxy.latency(0);
    await within(w.client.noop(), 'NOOP without latency');
    expect(w.errors).toEqual([]);
  });

  it('muteServer: the server gets commands but its answers are held until unmuted', async () => {
    const d = dovecot();
    const w = tlsClient(proxy);
    await within(w.client.connect(), 'connect');
    const box = `Muted${Date.now()}`;
    proxy.muteServer(true);
    const create = w.client.mailboxCreate(box);
    expect(await settlesWithin(create)).toBe(false);
    // Client→server still flows: Dovecot has already created the mailbox.
    expect(Object.keys(await d.mailboxCounts('alice'))).toContain(box);
    const noop = w.client.noop();
    expect(await settlesWithin(noop, 200)).toBe(false);
    proxy.muteServer(false);
    await within(create, 'CREATE answer after unmute');
    await within(noop, 'NOOP answer after unmute');
    expect(w.errors).toEqual([]);
    expect(w.isClosed()).toBe(false);
  });

  it('stop(): closes the listener and every socket, leaves no handles or timers behind', async () => {
    const d = dovecot();
    /** Loopback handles and timers, once handles closed earlier have finished closing. */
    const countHandles = async (): Promise<Record<string, number>> => {
      // libuv runs close callbacks after the check phase: two turns let pending ones finish.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) {
        if (r === 'TCPServerWrap' || r === 'TCPSocketWrap' || r === 'Timeout')
          counts[r] = (counts[r] ?? 0) + 1;
      }
      return counts;
    };
    const before = await countHandles();
    const p = await startFaultProxy({ host: d.host, port: d.port });
    const raw = net.connect({ host: p.host, port: p.port });
    raw.on('error', () => undefined);
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    await within(
      new Promise<void>((resolve) => raw.once('data', () => resolve())),
      'the IMAP greeting through the proxy',
    );
    // Leave work in flight: a delayed command (a pending timer) and a blackholed connection.
    p.latency(60_000);
    raw.write('a1 NOOP\r\n');
    // The held command arms a proxy timer once it arrives; wait (no timer of our own) until then.
    const armBy = performance.now() + EVENT_DEADLINE_MS;
    while ((await countHandles()).Timeout === before.Timeout) {
      if (performance.now() > armBy) throw new Error('the latency timer was never armed');
    }
    const cut = p.cutTlsMidRecord();
    p.blackhole();
    const held = net.connect({ host: p.host, port: p.port });
    held.on('error', () => undefined);
    const heldClosed = new Promise<void>((resolve) => held.once('close', () => resolve()));
    await within(
      p.until((q) => q.open === 2),
      'the blackholed connection to be accepted',
    );

    await within(p.stop(), 'stop()');
    expect(p.open).toBe(0);
    expect(await within(cut, 'the pending cut to settle')).toBe(0);
    await within(Promise.all([rawClosed, heldClosed]), 'the clients to see the close');
    expect(await countHandles()).toEqual(before);
    expect(await rawConnect(p.port)).toBe('ECONNREFUSED');
    await p.stop();
  });
});
