// A TCP proxy on loopback that a test puts between an IMAP client and the private Dovecot to
// inject network faults (DESIGN.md §4): reset, blackhole (half-open), a new network path, a TLS
// stream cut mid-record, refused connections, latency and a server that stops answering.
//
// It forwards raw bytes, so TLS stays end to end between client and Dovecot (point the proxy at
// Dovecot's tlsPort for implicit TLS; the certificate is valid for 127.0.0.1).
//
// Every chunk travels through a per-direction FIFO queue. A chunk leaves the queue once its
// latency has passed and the direction is open (not blackholed, not muted, upstream connected),
// so order is always kept and every fault applies at one place. A peer's FIN and RST travel
// through the same queue: FIN is forwarded as FIN (both sockets allow half-open) and RST, or any
// other socket error, as RST. Nothing the proxy does can emit an unhandled 'error': every socket
// and server gets a listener when it is created.
//
// Limits: TCP handshakes are not delayed or dropped (the client's kernel completes them against
// the proxy's listening socket), and the proxy's kernel ACKs whatever the client sends, so TCP
// keepalive probes (imapflow enables them after 5 s idle) never notice a blackhole here — in a
// real half-open connection they would, after about 11 minutes with Linux defaults.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** How {@link FaultProxy.refuse} turns new connections away. */
export type RefuseMode =
  /**
   * Keep listening, accept each attempt and RST it at once; attempts are counted in
   * {@link FaultProxy.refusedAttempts}. The client's TCP connect succeeds, then it reads
   * ECONNRESET before any byte arrives (imapflow: connect() rejects with code ECONNRESET).
   */
  | 'reset'
  /**
   * Close the listening socket, so the kernel refuses (RST to the SYN) and the client sees a
   * real ECONNREFUSED; refuse(false) listens again on the same port. Attempts cannot be counted.
   */
  | 'closed';

/** A running fault-injection proxy. All mode changes take effect synchronously. */
export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Connections accepted so far, including those refused by reset (see {@link refuse}). */
  readonly accepted: number;
  /**
   * Proxied connections not yet finished: a connection counts until both its client socket and
   * its upstream socket (if one was opened) are closed. Refused attempts never count.
   */
  readonly open: number;
  /** Connection attempts turned away while refusing in 'reset' mode. */
  readonly refusedAttempts: number;
  /**
   * Forward bytes both ways for NEW connections (the default mode). Connections blackholed by
   * {@link blackhole} stay blackholed unless `resumeExisting` is set: then they resume and get
   * everything that was held back, in order (like a path that came back before TCP gave up).
   * Connections stranded by {@link newPath} never resume.
   */
  pass(opts?: { resumeExisting?: boolean }): void;
  /**
   * RST both sides of every open connection now (socket.resetAndDestroy()), whatever mode it is
   * in; queued bytes are dropped. New connections are not affected.
   */
  resetAll(): void;
  /**
   * Half-open, like sleep or a NAT timeout: every open connection stops forwarding both ways,
   * sockets stay open and nothing is sent to either side (bytes, FIN and RST are held back).
   * New connections are accepted but blackholed too (no upstream connection is made, so a TLS
   * client's handshake never completes) until pass(). A client that gives up and closes leaves
   * its connection in {@link open} (its FIN is held, the server session lives on) until
   * pass({ resumeExisting: true }), resetAll() or stop().
   */
  blackhole(): void;
  /**
   * A new network path: every connection open now is stranded forever (nothing more is
   * forwarded either way; what arrives is discarded, FIN and RST included, so the other side
   * never learns), and new connections are forwarded normally. Stranded connections stay in
   * {@link open} (and their Dovecot sessions stay logged in) until resetAll() or stop(), as a
   * server-side session outlives a vanished client until it times out.
   */
  newPath(): void;
  /**
   * TLS truncation: on every connection open now (stranded ones excepted), the next
   * server→client chunk delivered to the client is cut at an offset strictly inside a TLS record
   * (the record framing is tracked from the first byte; the offset nearest the middle of the
   * chunk is taken), the first part is forwarded, then the client socket is ended with FIN (no
   * close_notify) and the upstream is destroyed. An idle connection is cut on its next server
   * data; muted or blackholed data is cut when it is finally delivered. Resolves, once every
   * armed connection has been cut or has closed, with the number actually cut (0 at once when
   * no connection is open).
   */
  cutTlsMidRecord(): Promise<number>;
  /** Start or stop refusing new connections; see {@link RefuseMode}. Open connections stay. */
  refuse(on: boolean, mode?: RefuseMode): Promise<void>;
  /**
   * Hold every chunk (and FIN/RST) this many ms in each direction before forwarding it; 0 = none.
   * Applies to chunks that arrive after the call; order is kept.
   */
  latency(ms: number): void;
  /**
   * Server→client only, on every connection (open and new): hold server data, FIN and RST back
   * while client→server keeps flowing (a stuck server). muteServer(false) delivers what was held.
   */
  muteServer(on: boolean): void;
  /** Resolves as soon as `condition(proxy)` holds; re-checked on every accept and close. */
  until(condition: (proxy: FaultProxy) => boolean): Promise<void>;
  /**
   * Close the listener and destroy every socket (FIN), clear every timer; resolves when all
   * sockets and servers have closed. Pending cutTlsMidRecord() promises resolve. Safe to call
   * twice.
   */
  stop(): Promise<void>;
}

/** Bytes queued in one direction before the proxy stops reading from that direction's source. */
const HIGH_WATER = 1024 * 1024;
/** How long refuse(false) keeps retrying when re-listening on the same port hits EADDRINUSE. */
const RELISTEN_DEADLINE_MS = 2_000;

/** Start a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(target);
  await proxy.listen(0);
  return proxy;
}

type Item =
  | { kind: 'data'; chunk: Buffer; due: number }
  | { kind: 'end'; due: number }
  | { kind: 'reset'; due: number };

/** One direction of a connection: a FIFO of what still has to be delivered. */
class Lane {
  readonly items: Item[] = [];
  queuedBytes = 0;
  lastDue = 0;
  timer: NodeJS.Timeout | undefined;
  waitingDrain = false;
  sourcePaused = false;
  /** Nothing more is accepted or delivered (RST delivered, cut, stranded or finished). */
  closed = false;

  constructor(
    readonly toServer: boolean,
    /** The socket this lane reads from (the upstream may not exist yet). */
    readonly source: () => net.Socket | undefined,
  ) {}

  /** Stop reading from the source while too much is queued. */
  pauseSource(): void {
    if (this.sourcePaused) return;
    this.sourcePaused = true;
    this.source()?.pause();
  }

  resumeSource(): void {
    if (!this.sourcePaused) return;
    this.sourcePaused = false;
    this.source()?.resume();
  }

  clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drop everything and refuse more; keep reading (and discarding) so closes are still seen. */
  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.queuedBytes = 0;
    this.clearTimer();
    this.resumeSource();
  }
}

/**
 * Follows TLS record framing (5-byte header: type, version, 16-bit length) over the
 * server→client stream, so a cut can be placed strictly inside a record. Exported for tests.
 */
export class TlsRecordTracker {
  private header: number[] = [];
  private bodyLeft = 0;

  /** Advance over a chunk that was forwarded whole. */
  feed(chunk: Buffer): void {
    this.scan(chunk, true);
  }

  /**
   * Offset in 0..chunk.length at which to cut `chunk` so the stream stops inside a record:
   * the non-boundary offset nearest the middle that forwards at least one byte and withholds at
   * least one, else 0 when the chunk itself starts mid-record, else the middle (only possible
   * for a 1-byte chunk or a run of empty records).
   */
  cutOffset(chunk: Buffer): number {
    const boundaries = this.scan(chunk, false);
    const mid = Math.floor(chunk.length / 2);
    for (let d = 0; d < chunk.length; d++) {
      for (const p of [mid + d, mid - d]) {
        if (p >= 1 && p <= chunk.length - 1 && !boundaries.has(p)) return p;
      }
    }
    return boundaries.has(0) ? mid : 0;
  }

  /** Offsets in 0..chunk.length where a record starts (or the stream is between records). */
  private scan(chunk: Buffer, commit: boolean): Set<number> {
    let header = [...this.header];
    let bodyLeft = this.bodyLeft;
    const boundaries = new Set<number>();
    let i = 0;
    for (;;) {
      if (bodyLeft === 0 && header.length === 0) boundaries.add(i);
      if (i >= chunk.length) break;
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, chunk.length - i);
        bodyLeft -= n;
        i += n;
        continue;
      }
      header.push(chunk[i]!);
      i++;
      if (header.length === 5) {
        bodyLeft = (header[3]! << 8) | header[4]!;
        header = [];
      }
    }
    if (commit) {
      this.header = header;
      this.bodyLeft = bodyLeft;
    }
    return boundaries;
  }
}

class Connection {
  upstream: net.Socket | undefined;
  upstreamConnected = false;
  clientClosed = false;
  upstreamClosed = false;
  blackholed: boolean;
  stranded = false;
  /** Set once the TLS cut was made on this connection. */
  cut = false;
  /** Callbacks of cutTlsMidRecord() calls armed on this connection; called with "was cut". */
  cutWaiters: ((wasCut: boolean) => void)[] = [];
  finished = false;
  readonly c2s = new Lane(true, () => this.client);
  readonly s2c = new Lane(false, () => this.upstream);
  readonly tls = new TlsRecordTracker();

  constructor(
    readonly client: net.Socket,
    blackholed: boolean,
  ) {
    this.blackholed = blackholed;
  }

  settleCut(wasCut: boolean): void {
    for (const waiter of this.cutWaiters.splice(0)) waiter(wasCut);
  }
}

/** RST a socket, or just destroy it when it has no connection yet to reset. */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

class FaultProxyServer implements FaultProxy {
  readonly host = '127.0.0.1' as const;
  port = 0;
  accepted = 0;
  refusedAttempts = 0;

  private server: net.Server | undefined;
  /** Every server ever listened on that has not emitted 'close' yet. */
  private readonly servers = new Set<net.Server>();
  /** Every socket (client, upstream, refused) that has not emitted 'close' yet. */
  private readonly sockets = new Set<net.Socket>();
  private readonly connections = new Set<Connection>();
  private readonly changes = new EventEmitter();
  private blackholeNew = false;
  private muted = false;
  private latencyMs = 0;
  private refusing: RefuseMode | undefined;
  /** Serialises refuse() calls, which may close and reopen the listener. */
  private listenerOp: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(private readonly target: { host: string; port: number }) {
    this.changes.setMaxListeners(0);
  }

  get open(): number {
    return this.connections.size;
  }

  // ---- listener ------------------------------------------------------------------------------

  async listen(port: number): Promise<void> {
    const deadline = performance.now() + RELISTEN_DEADLINE_MS;
    for (;;) {
      try {
        await this.listenOnce(port);
        return;
      } catch (err) {
        // Re-listening on the old port: a socket may hold it for a moment; ports from 0 never clash.
        const code = (err as NodeJS.ErrnoException).code;
        if (port === 0 || code !== 'EADDRINUSE' || performance.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  private listenOnce(port: number): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket));
    return new Promise<void>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        // server.listen() failed: the server never opened, so it emits no 'close'.
        reject(err);
      };
      server.once('error', onListenError);
      server.listen({ host: this.host, port, exclusive: true }, () => {
        server.off('error', onListenError);
        // Errors after listening (e.g. EMFILE on accept) must not crash the test process.
        server.on('error', () => undefined);
        this.servers.add(server);
        server.once('close', () => {
          this.servers.delete(server);
          this.changed();
        });
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stop listening now; the listening fd is closed synchronously, so the port refuses at once. */
  private closeListener(): void {
    this.server?.close();
    this.server = undefined;
  }

  // ---- connections ---------------------------------------------------------------------------

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.changed();
    });
  }

  private onConnection(client: net.Socket): void {
    this.track(client);
    client.on('error', () => undefined);
    if (this.stopping) {
      client.destroy();
      return;
    }
    this.accepted++;
    if (this.refusing === 'reset') {
      this.refusedAttempts++;
      client.resetAndDestroy();
      this.changed();
      return;
    }
    const conn = new Connection(client, this.blackholeNew);
    this.connections.add(conn);
    client.on('data', (chunk: Buffer) => this.enqueue(conn, conn.c2s, 'data', chunk));
    client.on('end', () => this.enqueue(conn, conn.c2s, 'end'));
    client.on('error', () => this.enqueue(conn, conn.c2s, 'reset'));
    client.once('close', () => {
      conn.clientClosed = true;
      this.checkFinished(conn);
    });
    if (!conn.blackholed) this.connectUpstream(conn);
    this.changed();
  }

  private connectUpstream(conn: Connection): void {
    if (conn.upstream || conn.clientClosed || conn.stranded || conn.finished) return;
    const upstream = net.connect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
    });
    conn.upstream = upstream;
    this.track(upstream);
    upstream.on('error', () => this.enqueue(conn, conn.s2c, 'reset'));
    upstream.once('connect', () => {
      conn.upstreamConnected = true;
      this.pump(conn, conn.c2s);
    });
    upstream.on('data', (chunk: Buffer) => this.enqueue(conn, conn.s2c, 'data', chunk));
    upstream.on('end', () => this.enqueue(conn, conn.s2c, 'end'));
    upstream.once('close', () => {
      conn.upstreamClosed = true;
      this.checkFinished(conn);
    });
  }

  private checkFinished(conn: Connection): void {
    if (conn.finished || !conn.clientClosed) return;
    if (conn.upstream && !conn.upstreamClosed) return;
    conn.finished = true;
    conn.c2s.close();
    conn.s2c.close();
    this.connections.delete(conn);
    conn.settleCut(false);
    this.changed();
  }

  private dest(conn: Connection, lane: Lane): net.Socket | undefined {
    return lane.toServer ? conn.upstream : conn.client;
  }

  private enqueue(
    conn: Connection,
    lane: Lane,
    kind: 'data' | 'end' | 'reset',
    chunk?: Buffer,
  ): void {
    if (lane.closed || conn.stranded) return;
    const due = Math.max(performance.now() + this.latencyMs, lane.lastDue);
    lane.lastDue = due;
    if (kind === 'data' && chunk) {
      lane.items.push({ kind, chunk, due });
      lane.queuedBytes += chunk.length;
      if (lane.queuedBytes > HIGH_WATER) lane.pauseSource();
    } else if (kind === 'end' || kind === 'reset') {
      lane.items.push({ kind, due });
    }
    this.pump(conn, lane);
  }

  private laneOpen(conn: Connection, lane: Lane): boolean {
    if (lane.closed || conn.stranded || conn.blackholed || lane.waitingDrain) return false;
    return lane.toServer ? conn.upstreamConnected : !this.muted;
  }

  /** Deliver what is due and allowed; arm a timer for the next item that is not due yet. */
  private pump(conn: Connection, lane: Lane): void {
    lane.clearTimer();
    while (this.laneOpen(conn, lane)) {
      const head = lane.items[0];
      if (!head) return;
      const wait = head.due - performance.now();
      if (wait > 0) {
        // Timers may fire up to a millisecond early; pump() re-checks and re-arms.
        lane.timer = setTimeout(() => this.pump(conn, lane), Math.ceil(wait));
        return;
      }
      lane.items.shift();
      this.deliver(conn, lane, head);
    }
  }

  private deliver(conn: Connection, lane: Lane, item: Item): void {
    const dest = this.dest(conn, lane);
    if (!dest || dest.destroyed) {
      lane.close();
      return;
    }
    switch (item.kind) {
      case 'data': {
        lane.queuedBytes -= item.chunk.length;
        if (lane.queuedBytes <= HIGH_WATER / 2) lane.resumeSource();
        if (!lane.toServer && conn.cutWaiters.length > 0) {
          this.cutNow(conn, item.chunk);
          return;
        }
        if (!lane.toServer) conn.tls.feed(item.chunk);
        if (!dest.write(item.chunk)) {
          lane.waitingDrain = true;
          dest.once('drain', () => {
            lane.waitingDrain = false;
            this.pump(conn, lane);
          });
        }
        return;
      }
      case 'end':
        dest.end();
        return;
      case 'reset':
        reset(dest);
        lane.close();
        return;
    }
  }

  private cutNow(conn: Connection, chunk: Buffer): void {
    const at = conn.tls.cutOffset(chunk);
    conn.cut = true;
    conn.c2s.close();
    conn.s2c.close();
    if (at > 0) conn.client.write(chunk.subarray(0, at));
    conn.client.end();
    conn.upstream?.destroy();
    conn.settleCut(true);
  }

  private changed(): void {
    this.changes.emit('change');
  }

  // ---- controls ------------------------------------------------------------------------------

  pass(opts: { resumeExisting?: boolean } = {}): void {
    this.blackholeNew = false;
    if (!opts.resumeExisting) return;
    for (const conn of this.connections) {
      if (conn.stranded || !conn.blackholed) continue;
      conn.blackholed = false;
      this.connectUpstream(conn);
      this.pump(conn, conn.c2s);
      this.pump(conn, conn.s2c);
    }
  }

  resetAll(): void {
    for (const conn of this.connections) {
      conn.c2s.close();
      conn.s2c.close();
      reset(conn.client);
      if (conn.upstream) reset(conn.upstream);
    }
  }

  blackhole(): void {
    this.blackholeNew = true;
    for (const conn of this.connections) {
      conn.blackholed = true;
      conn.c2s.clearTimer();
      conn.s2c.clearTimer();
    }
  }

  newPath(): void {
    this.blackholeNew = false;
    for (const conn of this.connections) {
      if (conn.stranded) continue;
      conn.stranded = true;
      conn.c2s.close();
      conn.s2c.close();
      conn.settleCut(false);
    }
  }

  cutTlsMidRecord(): Promise<number> {
    const targets = [...this.connections].filter(
      (c) => !c.stranded && !c.cut && !c.s2c.closed && !c.clientClosed,
    );
    if (targets.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve) => {
      let pending = targets.length;
      let cuts = 0;
      for (const conn of targets) {
        let settled = false;
        conn.cutWaiters.push((wasCut) => {
          if (settled) return;
          settled = true;
          if (wasCut) cuts++;
          if (--pending === 0) resolve(cuts);
        });
      }
    });
  }

  refuse(on: boolean, mode: RefuseMode = 'reset'): Promise<void> {
    const op = this.listenerOp.then(async () => {
      if (this.stopping) throw new Error('fault proxy is stopped');
      this.refusing = on ? mode : undefined;
      const wantListening = this.refusing !== 'closed';
      if (wantListening && !this.server) await this.listen(this.port);
      else if (!wantListening && this.server) this.closeListener();
    });
    this.listenerOp = op.catch(() => undefined);
    return op;
  }

  latency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
    this.latencyMs = ms;
  }

  muteServer(on: boolean): void {
    this.muted = on;
    if (on) {
      for (const conn of this.connections) conn.s2c.clearTimer();
    } else {
      for (const conn of this.connections) this.pump(conn, conn.s2c);
    }
  }

  until(condition: (proxy: FaultProxy) => boolean): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (!condition(this)) return;
        this.changes.off('change', check);
        resolve();
      };
      this.changes.on('change', check);
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.listenerOp;
      this.closeListener();
      for (const conn of this.connections) {
        conn.c2s.close();
        conn.s2c.close();
        conn.settleCut(false);
      }
      for (const socket of this.sockets) socket.destroy();
      await this.until(() => this.sockets.size === 0 && this.servers.size === 0);
    })();
    return this.stopping;
  }
}
