// The reference for bench/idle-cost.ts: the least a Node program can do to watch mailboxes with
// imapflow — one client per mailbox, log in, SELECT, IDLE forever. No rules, no state, no
// probes, no logging beyond one line per state change; a dropped connection is retried after 1 s.
//
//   node --import tsx bench/lib/raw-idle.ts SPEC.json
// SPEC.json: { host, port, caFile, accounts: [{ user, passwordEnv, mailbox }] } (implicit TLS;
// the password comes from the environment variable passwordEnv).
// Prints `raw-idle <user>/<mailbox>: idling` once each client is in IDLE.
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';

export interface RawIdleSpec {
  host: string;
  port: number;
  caFile: string;
  accounts: { user: string; passwordEnv: string; mailbox: string }[];
}

/** The client name sent in IMAP ID, so the server side can tell these sessions apart. */
const RAW_IDLE_CLIENT_NAME = 'raw-idle';

const clients = new Set<ImapFlow>();
let stopping = false;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

async function watch(spec: RawIdleSpec, acct: RawIdleSpec['accounts'][number]): Promise<void> {
  const ca = readFileSync(spec.caFile, 'utf8');
  const pass = process.env[acct.passwordEnv];
  if (pass === undefined) throw new Error(`${acct.passwordEnv} is not set`);
  const who = `${acct.user}/${acct.mailbox}`;
  while (!stopping) {
    const client = new ImapFlow({
      host: spec.host,
      port: spec.port,
      secure: true,
      auth: { user: acct.user, pass },
      tls: { ca: [ca], minVersion: 'TLSv1.2' },
      logger: false,
      disableAutoIdle: true,
      clientInfo: { name: RAW_IDLE_CLIENT_NAME },
    });
    client.on('error', (err: Error) => log(`raw-idle ${who}: error ${err.message}`));
    clients.add(client);
    try {
      await client.connect();
      await client.mailboxOpen(acct.mailbox);
      log(`raw-idle ${who}: idling`);
      // idle() resolves when IDLE ends (the server ended it or the connection closed).
      while (client.usable && !stopping) await client.idle();
    } catch (err) {
      if (!stopping) log(`raw-idle ${who}: ${(err as Error).message}`);
    } finally {
      clients.delete(client);
      client.close();
    }
    if (!stopping) {
      log(`raw-idle ${who}: reconnecting`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

function shutdown(): void {
  if (stopping) return;
  stopping = true;
  void Promise.allSettled([...clients].map((c) => c.logout())).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}

function main(): void {
  const specFile = process.argv[2];
  if (!specFile) {
    process.stderr.write('usage: raw-idle.ts SPEC.json\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as RawIdleSpec;
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  for (const acct of spec.accounts) {
    watch(spec, acct).catch((err: unknown) => {
      process.stderr.write(`raw-idle: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
  }
}

if (process.argv[1] && /raw-idle\.(ts|js|mjs)$/.test(process.argv[1])) main();
