/**
 * `node --expose-gc --import tsx bench/reconnect-heap.ts [--cycles 600]`: does the engine leak
 * per reconnect? Reset the connection through the fault proxy N times (a message delivered and
 * handled every cycle) and print the heap after a full GC every 100 cycles. stableMs = 0 so the
 * backoff resets each time (the reconnect path, not the backoff, is what is measured).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/main/core/config/load-config.js';
import { createEngine } from '../src/main/core/engine.js';
import { spamAssassinMessages } from '../test/helpers/corpus.js';
import { distinctById } from '../test/helpers/corpus-expect.js';
import { startDovecot } from '../test/helpers/dovecot.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { configFor, sortEverything } from '../test/helpers/solon-config.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '600' },
    'no-mail': { type: 'boolean', default: false },
    'no-reset': { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
  },
});
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const d = await startDovecot({ users: [{ user: 'h', password: 'h-pw' }] });
  await d.createMailbox('h', 'Sorted');
  const proxy = await startFaultProxy({ host: d.host, port: d.tlsPort });
  const dataDir = await mkdtemp(join(tmpdir(), 'solon-heap-'));
  const base = configFor(d, {
    user: 'h',
    passwordEnv: 'H',
    dataDir,
    rules: sortEverything,
    engine: { stableMs: 0 },
  }) as { accounts: Record<string, unknown>[] };
  if (!values.direct) base.accounts[0]!.port = proxy.port;
  const engine = createEngine({ config: parseConfig(base), dataDir, env: { H: 'h-pw' } });
  let handled = 0;
  engine.onActivity((e) => void (e.result === 'done' && handled++));
  const watching = async (): Promise<void> => {
    while (engine.status()[0]?.state !== 'watching') await pause(2);
  };
  await engine.start();
  await watching();
  const corpus = distinctById(spamAssassinMessages());
  const samples: string[] = [];
  try {
    for (let i = 0; i < Number(values.cycles); i++) {
      if (!values['no-mail']) {
        // Delivered as a local MTA would (a file in the Maildir): no IMAP client in this process
        // besides Solon's, so any growth measured is Solon's.
        await d.deliverToMaildir('h', corpus[i % corpus.length]!.raw);
        while (handled <= i) await pause(2);
      }
      if (!values['no-reset']) {
        proxy.resetAll();
        await pause(5);
        await watching();
      }
      if ((i + 1) % 100 === 0) {
        gc();
        gc();
        const mb = process.memoryUsage().heapUsed / 1048576;
        samples.push(mb.toFixed(1));
        process.stdout.write(
          `${i + 1} reconnects, ${handled} handled: heap ${mb.toFixed(1)} MB after GC\n`,
        );
      }
    }
  } finally {
    await engine.stop();
    await proxy.stop();
    await d.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`heap after GC per 100 reconnects: ${samples.join(' → ')} MB\n`);
  return 0;
}

main().then(
  (c) => process.exit(c),
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
