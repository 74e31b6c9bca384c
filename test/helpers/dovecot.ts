// A private Dovecot per test file: own config, users, Maildir, TLS cert and loopback ports
// under a temp dir, so integration tests talk to a real IMAP server without touching /etc or
// /var. Recipe and measured quirks: DESIGN.md §4.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { toCrlf } from './corpus';

const execFileAsync = promisify(execFile);

const DOVECOT_BIN = '/usr/sbin/dovecot';
const DOVEADM_BIN = '/usr/bin/doveadm';
const READY_DEADLINE_MS = 10_000;
/** How long a stopping master gets to end its children before the whole group is killed. */
const STOP_GRACE_MS = 2_000;
/** Dovecot refuses to run mail processes as root, so as root every user maps to nobody. */
const NOBODY = 65534;

/** A mail account in the private Dovecot. */
export interface DovecotUser {
  /** Login name; also the Maildir directory name. */
  user: string;
  /** Cleartext password ({PLAIN} in the passwd-file). */
  password: string;
}

/** Options for {@link startDovecot}. */
export interface StartDovecotOptions {
  /** Accounts to create; defaults to one user `alice` / `alice-secret`. */
  users?: DovecotUser[];
  /** Appended verbatim at the end of dovecot.conf; later settings override earlier ones. */
  extraConfig?: string;
}

/** One message as seen by {@link Dovecot.listMessages}. */
export interface MessageSummary {
  uid: number;
  /** Message-ID header value including angle brackets, when the message has one. */
  messageId?: string;
  /** IMAP flags, e.g. `\\Seen`. */
  flags: string[];
}

/** A running private Dovecot. */
export interface Dovecot {
  readonly host: '127.0.0.1';
  /** Plain IMAP port; STARTTLS is offered and cleartext login is allowed. */
  readonly port: number;
  /** Implicit-TLS IMAP port. */
  readonly tlsPort: number;
  /** The self-signed server certificate; use it as the CA (valid for 127.0.0.1 and localhost). */
  readonly caPem: string;
  /** Path of {@link caPem} on disk. */
  readonly caFile: string;
  /** Temp dir holding config, logs, runtime state and mail; removed by stop(). */
  readonly dir: string;
  /** Path of the Dovecot log file (everything Dovecot logs goes here). */
  readonly logFile: string;
  readonly users: readonly DovecotUser[];
  /** Kill Dovecot and remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stop and start again on the same ports with the same mail. */
  restart(): Promise<void>;
  /** Disconnect every session of a user (server sends BYE), like an admin kick. */
  kick(user: string): Promise<void>;
  /** Change a user's password; takes effect for the next login. */
  setPassword(user: string, password: string): Promise<void>;
  /** Run doveadm against this instance's config; resolves with stdout. */
  doveadm(args: string[]): Promise<string>;
  /** Create a mailbox (none are auto-created, so tests can exercise a missing folder). */
  createMailbox(user: string, name: string): Promise<void>;
  /** Deliver a message over IMAP APPEND; resolves with its UID. Bare LF becomes CRLF. */
  append(user: string, mailbox: string, raw: Buffer | string, flags?: string[]): Promise<number>;
  /**
   * Deliver the way a local MTA does: write the file into the Maildir's new/ (no IMAP
   * connection, so it works while the user is at a connection limit). Dovecot assigns the UID
   * when it next looks at the folder. INBOX only. Resolves with the file's base name.
   */
  deliverToMaildir(user: string, raw: Buffer | string): Promise<string>;
  /** The user's INBOX Maildir (new/, cur/, tmp/ created, owned by the mail user); its path. */
  maildir(user: string): Promise<string>;
  /** Deliver many messages over one connection (fast); resolves with their UIDs in order. */
  appendMany(user: string, mailbox: string, raws: (Buffer | string)[]): Promise<number[]>;
  /** Messages in a mailbox, ascending by UID. */
  listMessages(user: string, mailbox: string): Promise<MessageSummary[]>;
  /** Every mailbox of the user with its message count. */
  mailboxCounts(user: string): Promise<Record<string, number>>;
  /** The last `lines` lines of Dovecot's stderr and log file, for failure messages. */
  logTail(lines?: number): Promise<string>;
}

/** A doveadm run that failed; exitCode is doveadm's sysexits-style status (68: no such user/session). */
export class DoveadmError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`doveadm ${args.join(' ')} failed (exit ${String(exitCode)}): ${stderr}`);
    this.name = 'DoveadmError';
  }
}

const DEFAULT_USERS: readonly DovecotUser[] = [{ user: 'alice', password: 'alice-secret' }];

/** Instances still running, killed synchronously if the test process exits without stop(). */
const live = new Set<DovecotInstance>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const instance of live) instance.killSync();
  });
}

/** Start a private Dovecot; resolves once it answers the IMAP greeting. */
export async function startDovecot(opts: StartDovecotOptions = {}): Promise<Dovecot> {
  const users = (opts.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
  for (const u of users) validateUser(u);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'solon-dovecot-'));
  const instance = new DovecotInstance(dir, users, opts.extraConfig ?? '');
  live.add(instance);
  installExitHook();
  try {
    await instance.init();
    return instance;
  } catch (err) {
    await instance.stop();
    throw err;
  }
}

function validateUser(u: DovecotUser): void {
  // The passwd-file is colon-separated and line-based; anything else would corrupt it.
  if (!/^[A-Za-z0-9._@+-]+$/.test(u.user))
    throw new Error(`unsupported Dovecot user name: ${u.user}`);
  if (/[:\r\n]/.test(u.password))
    throw new Error(`password for ${u.user} contains ':' or a newline`);
}

class DovecotInstance implements Dovecot {
  readonly host = '127.0.0.1' as const;
  port = 0;
  tlsPort = 0;
  caPem = '';
  readonly caFile: string;
  readonly logFile: string;
  private readonly confFile: string;
  private readonly passwdFile: string;
  private readonly keyFile: string;
  private readonly stderrFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Last mtime (s) given to the passwd-file; see setPassword() for why it must change. */
  private passwdStamp = 0;
  private readonly ids: { uid: number; gid: number };

  constructor(
    readonly dir: string,
    readonly users: DovecotUser[],
    private readonly extraConfig: string,
  ) {
    this.caFile = path.join(dir, 'cert.pem');
    this.keyFile = path.join(dir, 'key.pem');
    this.logFile = path.join(dir, 'dovecot.log');
    this.confFile = path.join(dir, 'dovecot.conf');
    this.passwdFile = path.join(dir, 'passwd');
    this.stderrFile = path.join(dir, 'dovecot.stderr');
    const uid = process.getuid?.() ?? NOBODY;
    const gid = process.getgid?.() ?? NOBODY;
    this.ids = uid === 0 ? { uid: NOBODY, gid: NOBODY } : { uid, gid };
  }

  async init(): Promise<void> {
    // mkdtemp makes the dir 0700; the auth process (user dovecot) reads the passwd-file and
    // mail processes (nobody) must traverse to the Maildirs.
    await chmod(this.dir, 0o755);
    await Promise.all([this.makeCert(), this.writePasswd(), this.makeMailDirs()]);
    this.caPem = await readFile(this.caFile, 'utf8');
    // Ports are found by binding port 0 and releasing it, so another process can grab one
    // before Dovecot binds it; on EADDRINUSE pick fresh ports and try again.
    for (let attempt = 1; ; attempt++) {
      [this.port, this.tlsPort] = await twoFreePorts();
      await writeFile(this.confFile, this.config());
      try {
        await this.launch();
        return;
      } catch (err) {
        const log = await this.logTail(50);
        if (attempt >= 3 || !log.includes('Address already in use')) throw err;
        await this.killAndWait();
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.killAndWait();
    } finally {
      live.delete(this);
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('Dovecot was stopped');
    await this.killAndWait();
    await this.launch();
  }

  async kick(user: string): Promise<void> {
    try {
      await this.doveadm(['kick', user]);
    } catch (err) {
      // doveadm exits 68 (EX_NOUSER) with no output when the user has no session to kick.
      if (err instanceof DoveadmError && err.exitCode === 68) {
        throw new Error(`kick: ${user} has no open IMAP session`, { cause: err });
      }
      throw err;
    }
  }

  async setPassword(user: string, password: string): Promise<void> {
    const entry = this.users.find((u) => u.user === user);
    if (!entry) throw new Error(`unknown Dovecot user: ${user}`);
    validateUser({ user, password });
    entry.password = password;
    await this.writePasswd();
    // Dovecot's auth process stats the passwd-file at most once per second (it caches
    // last_sync_time = ioloop_time). A login earlier in this same second may already have
    // synced, so until the clock ticks over the old password would still work.
    const writtenSecond = Math.floor(Date.now() / 1000);
    const untilNextSecond = (writtenSecond + 1) * 1000 - Date.now() + 5;
    await new Promise((resolve) => setTimeout(resolve, untilNextSecond));
  }

  async doveadm(args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync(DOVEADM_BIN, ['-c', this.confFile, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; code?: number | string };
      throw new DoveadmError(
        args,
        typeof e.code === 'number' ? e.code : undefined,
        e.stderr?.trim() ?? String(err),
      );
    }
  }

  async createMailbox(user: string, name: string): Promise<void> {
    await this.doveadm(['mailbox', 'create', '-u', user, name]);
  }

  async append(
    user: string,
    mailbox: string,
    raw: Buffer | string,
    flags?: string[],
  ): Promise<number> {
    const [uid] = await this.appendMany(user, mailbox, [raw], flags);
    return uid!;
  }

  async maildir(user: string): Promise<string> {
    const box = path.join(this.dir, 'mail', user);
    for (const sub of ['tmp', 'new', 'cur']) {
      await mkdir(path.join(box, sub), { recursive: true });
      await chown(path.join(box, sub), NOBODY, NOBODY).catch(() => undefined);
    }
    await chown(box, NOBODY, NOBODY).catch(() => undefined);
    return box;
  }

  async deliverToMaildir(user: string, raw: Buffer | string): Promise<string> {
    const box = await this.maildir(user);
    const name = `${Date.now()}.M${process.hrtime.bigint()}P${process.pid}.solon-test`;
    // Maildir protocol: write in tmp/, then rename into new/ (atomic for the reader).
    await writeFile(path.join(box, 'tmp', name), toCrlf(raw));
    await chown(path.join(box, 'tmp', name), NOBODY, NOBODY).catch(() => undefined);
    await rename(path.join(box, 'tmp', name), path.join(box, 'new', name));
    return name;
  }

  async appendMany(
    user: string,
    mailbox: string,
    raws: (Buffer | string)[],
    flags?: string[],
  ): Promise<number[]> {
    const entry = this.users.find((u) => u.user === user);
    if (!entry) throw new Error(`no such Dovecot user: ${user}`);
    const client = new ImapFlow({
      host: this.host,
      port: this.port,
      secure: false,
      auth: { user, pass: entry.password },
      tls: { ca: [this.caPem] },
      logger: false,
    });
    // Without an error listener a socket error would crash the test process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const uids: number[] = [];
      for (const raw of raws) {
        const res = await client.append(mailbox, toCrlf(raw), flags);
        if (!res || res.uid === undefined) throw new Error(`APPEND to ${mailbox} returned no UID`);
        uids.push(res.uid);
      }
      return uids;
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async listMessages(user: string, mailbox: string): Promise<MessageSummary[]> {
    const out = await this.doveadm([
      '-f',
      'tab',
      'fetch',
      '-u',
      user,
      'uid flags hdr.message-id',
      'mailbox',
      mailbox,
    ]);
    const rows = out
      .split('\n')
      .slice(1)
      .filter((line) => line !== '');
    return rows
      .map((line) => {
        const [uid = '', flags = '', messageId = ''] = line.split('\t');
        // \Recent belongs to whichever session saw the message first (here: doveadm), so it
        // says nothing stable about the message; leave it out.
        const summary: MessageSummary = {
          uid: Number(uid),
          flags: flags.split(' ').filter((f) => f !== '' && f !== '\\Recent'),
        };
        const id = messageId.replace(/\s+/g, ' ').trim();
        if (id !== '') summary.messageId = id;
        return summary;
      })
      .sort((a, b) => a.uid - b.uid);
  }

  async mailboxCounts(user: string): Promise<Record<string, number>> {
    const out = await this.doveadm(['-f', 'tab', 'mailbox', 'status', '-u', user, 'messages', '*']);
    const counts: Record<string, number> = {};
    for (const line of out.split('\n').slice(1)) {
      if (line === '') continue;
      const tab = line.lastIndexOf('\t');
      counts[line.slice(0, tab)] = Number(line.slice(tab + 1));
    }
    return counts;
  }

  async logTail(lines = 30): Promise<string> {
    const tail = async (file: string): Promise<string> => {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    };
    const [stderr, log] = await Promise.all([tail(this.stderrFile), tail(this.logFile)]);
    return stderr === '' ? log : `${stderr}\n${log}`.trim();
  }

  /** Last-resort cleanup from a process 'exit' hook, where only synchronous work runs. */
  killSync(): void {
    this.signalGroup('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const started = Date.now();
    // -F keeps the master in the foreground as our child. No pipes: the daemon and its
    // children keep inherited pipes open forever. detached puts master and children in their
    // own process group so stop() can kill stragglers in one signal.
    // stderr goes to a file, not a pipe: config errors are reported there before log_path is
    // in effect, and a file descriptor held open by the daemon blocks nobody.
    const stderrFd = openSync(this.stderrFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(DOVECOT_BIN, ['-F', '-c', this.confFile], {
        stdio: ['ignore', 'ignore', stderrFd],
        detached: true,
      });
    } finally {
      closeSync(stderrFd);
    }
    this.child = child;
    let exitInfo: string | undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = `exit code ${String(code)}, signal ${String(signal)}`;
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = `spawn error: ${err.message}`;
        resolve();
      });
    });
    const deadline = started + READY_DEADLINE_MS;
    let lastError = 'not tried';
    while (Date.now() < deadline) {
      if (exitInfo !== undefined) break;
      try {
        await readGreeting(this.port, Math.max(deadline - Date.now(), 1));
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      // Dovecot is usually up within ~100 ms; poll the port rather than parse its log.
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), this.exited]);
    }
    const why =
      exitInfo !== undefined
        ? `dovecot exited (${exitInfo})`
        : `no IMAP greeting within ${READY_DEADLINE_MS} ms (${lastError})`;
    throw new Error(
      `private Dovecot on 127.0.0.1:${this.port} failed to start: ${why}\n--- dovecot stderr + ${this.logFile} (tail) ---\n${await this.logTail()}`,
    );
  }

  private async killAndWait(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.signalGroup('SIGKILL');
      return;
    }
    // SIGTERM lets the master end its children (mail processes flush indexes); SIGKILL the
    // group afterwards so a stuck child never keeps a port or the temp dir busy.
    this.signalGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private async makeCert(): Promise<void> {
    // EC keys generate in ~10 ms where RSA takes far longer. The SAN lets clients verify the
    // hostname 127.0.0.1 or localhost with this self-signed cert as their only CA.
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      this.keyFile,
      '-out',
      this.caFile,
    ]);
  }

  private async makeMailDirs(): Promise<void> {
    for (const sub of ['mail', 'home']) {
      const base = path.join(this.dir, sub);
      await mkdir(base, { mode: 0o755 });
      await this.own(base);
      for (const u of this.users) {
        const d = path.join(base, u.user);
        await mkdir(d, { mode: 0o700 });
        await this.own(d);
      }
    }
  }

  private async own(p: string): Promise<void> {
    if (process.getuid?.() === 0) await chown(p, this.ids.uid, this.ids.gid);
  }

  private async writePasswd(): Promise<void> {
    const lines = this.users.map(
      (u) =>
        `${u.user}:{PLAIN}${u.password}:${this.ids.uid}:${this.ids.gid}::${path.join(this.dir, 'home', u.user)}::\n`,
    );
    await writeFile(this.passwdFile, lines.join(''), { mode: 0o644 });
    // Dovecot reloads the file only when its mtime (whole seconds) or size changes; a rewrite
    // in the same second with a same-length password would go unnoticed, so force a new mtime.
    const mtime = Math.floor((await stat(this.passwdFile)).mtimeMs / 1000);
    this.passwdStamp = Math.max(mtime, this.passwdStamp + 1);
    await utimes(this.passwdFile, this.passwdStamp, this.passwdStamp);
  }

  private config(): string {
    const d = this.dir;
    const asRoot = process.getuid?.() === 0;
    // Not root: Dovecot cannot switch to its dovecot/dovenull users or chroot, so internal
    // and login processes run as ourselves (DESIGN.md §4).
    const me = os.userInfo().username;
    const chroot = asRoot ? '' : '  chroot =\n';
    const unprivileged = asRoot
      ? ''
      : `default_internal_user = ${me}
default_internal_group = ${groupName(process.getgid?.() ?? 0)}
default_login_user = ${me}
`;
    return `# Generated by test/helpers/dovecot.ts
${unprivileged}protocols = imap
listen = 127.0.0.1
base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${this.logFile}
info_log_path = ${this.logFile}
auth_verbose = yes
ssl = yes
ssl_cert = <${this.caFile}
ssl_key = <${this.keyFile}
disable_plaintext_auth = no
auth_mechanisms = plain login
# Dovecot delays each failed login (auth_failure_delay, 2 s) and then every later login from
# the same IP (anvil auth penalty, 2 s doubling, even for login_trusted_networks in 2.3);
# auth-failure tests need not pay that. The penalty is off when auth cannot open anvil's
# penalty socket, hence mode 0. A failed login still takes ~500 ms: auth flushes failures
# on a fixed 500 ms timer.
auth_failure_delay = 0
service anvil {
${chroot}  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${this.passwdFile}
}
userdb {
  driver = passwd-file
  args = ${this.passwdFile}
}
mail_location = maildir:${d}/mail/%u
namespace inbox {
  inbox = yes
  separator = /
}
mail_max_userip_connections = 20
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${this.tlsPort}
    ssl = yes
  }
${chroot}}
${this.extraConfig}
`;
  }
}

/** Name of a group id from /etc/group (Dovecot settings take names, not ids). */
function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

async function twoFreePorts(): Promise<[number, number]> {
  // Hold both servers open at once so the kernel hands out distinct ports.
  const listen = (): Promise<net.Server> =>
    new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  const a = await listen();
  const b = await listen();
  const ports: [number, number] = [
    (a.address() as net.AddressInfo).port,
    (b.address() as net.AddressInfo).port,
  ];
  await Promise.all([a, b].map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Connect and read the first line; resolves only on an untagged OK greeting. */
function readGreeting(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffered = '';
    const done = (err?: Error): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error('greeting timed out')));
    socket.once('error', (err) => done(err));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const eol = buffered.indexOf('\r\n');
      if (eol === -1) return;
      const line = buffered.slice(0, eol);
      done(line.startsWith('* OK') ? undefined : new Error(`unexpected greeting: ${line}`));
    });
    socket.once('end', () => done(new Error('connection closed before greeting')));
  });
}
