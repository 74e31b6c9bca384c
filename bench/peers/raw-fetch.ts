// The physical reference of the backlog bench: the least a Node program does to read a backlog
// with imapflow — log in, SELECT, one streamed UID FETCH 1:* of the given items, count, log out.
// No classification, no state, no actions.
//
//   node out/bench/raw-fetch.mjs SPEC.json
// SPEC.json: { host, port, caFile, user, passwordEnv, mailbox, headers }: it fetches
// UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (headers)], what Solon reads when
// its rules need no body (src/main/core/mail/fetch-plan.ts).
// Prints one JSON line: { "messages": n, "bytes": b, "ms": t } (t from login to the last row).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ImapFlow, type FetchQueryObject } from 'imapflow';

export interface RawFetchSpec {
  host: string;
  port: number;
  caFile: string;
  user: string;
  passwordEnv: string;
  mailbox: string;
  /** The header fields to fetch (lower case). */
  headers: string[];
}

async function main(): Promise<void> {
  const specFile = process.argv[2];
  if (!specFile) throw new Error('usage: raw-fetch SPEC.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as RawFetchSpec;
  if (!spec.headers?.length) throw new Error('the spec names no header fields');
  const query: FetchQueryObject = {
    uid: true,
    flags: true,
    size: true,
    internalDate: true,
    headers: spec.headers,
  };
  const pass = process.env[spec.passwordEnv];
  if (pass === undefined) throw new Error(`${spec.passwordEnv} is not set`);
  const client = new ImapFlow({
    host: spec.host,
    port: spec.port,
    secure: true,
    auth: { user: spec.user, pass },
    tls: { ca: [readFileSync(spec.caFile, 'utf8')], minVersion: 'TLSv1.2' },
    logger: false,
    disableCompression: true,
    clientInfo: { name: 'raw-fetch' },
  });
  client.on('error', (err: Error) => process.stderr.write(`raw-fetch: ${err.message}\n`));
  await client.connect();
  const t0 = performance.now();
  const box = await client.mailboxOpen(spec.mailbox, { readOnly: true });
  let messages = 0;
  let bytes = 0;
  if (box.exists > 0) {
    for await (const m of client.fetch('1:*', query, { uid: true })) {
      messages++;
      bytes += m.headers?.length ?? 0;
    }
  }
  const ms = performance.now() - t0;
  await client.logout();
  process.stdout.write(JSON.stringify({ messages, bytes, ms }) + '\n');
}

if (process.argv[1] && /raw-fetch\.(ts|js|mjs)$/.test(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`raw-fetch: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
