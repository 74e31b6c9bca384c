/**
 * `npm run demo`: Solon's main job on real input. Starts a private Dovecot on loopback, starts
 * the engine with examples/demo-rules.yaml, delivers real messages from the SpamAssassin public
 * corpus while it watches, prints each decision as it happens, and ends with a summary.
 *
 *   npm run demo [-- --messages 600]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/main/core/config/load-config.js';
import { createEngine } from '../src/main/core/engine.js';
import { createStreamLogger } from '../src/main/core/log/console-logger.js';
import type { ActivityEntry } from '../src/shared/domain/activity.js';
import { spamAssassinMessages } from '../test/helpers/corpus.js';
import { auditSorting, distinctById, serverLocations } from '../test/helpers/corpus-expect.js';
import { startDovecot } from '../test/helpers/dovecot.js';
import { configFor, demoFolders } from '../test/helpers/solon-config.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '600' },
    quiet: { type: 'boolean', default: false },
  },
});
const count = Number(values.messages);

async function main(): Promise<number> {
  if (!existsSync('/usr/sbin/dovecot')) {
    process.stderr.write(
      'The demo needs Dovecot (its own private instance, nothing system-wide is touched).\nInstall it with: sudo apt-get install dovecot-imapd   (Debian/Ubuntu)\n',
    );
    return 1;
  }
  const dir = await mkdtemp(join(tmpdir(), 'solon-demo-'));
  const dovecot = await startDovecot({ users: [{ user: 'demo', password: 'demo-password' }] });
  const log = createStreamLogger({ format: 'text', level: 'warn' });
  try {
    for (const f of demoFolders()) await dovecot.createMailbox('demo', f);
    const config = parseConfig(
      configFor(dovecot, {
        user: 'demo',
        passwordEnv: 'SOLON_DEMO_PASSWORD',
        dataDir: join(dir, 'data'),
      }),
    );
    const engine = createEngine({
      config,
      dataDir: join(dir, 'data'),
      log,
      env: { SOLON_DEMO_PASSWORD: 'demo-password' },
    });
    const decisions: ActivityEntry[] = [];
    engine.onActivity((e) => {
      decisions.push(e);
      if (!values.quiet) {
        const to = e.result === 'no-match' ? 'stays in INBOX' : e.actions;
        process.stdout.write(
          `${String(decisions.length).padStart(4)} [${e.result}] ${e.subject.slice(0, 60).padEnd(60)} → ${to}${e.error ? ` (${e.error})` : ''}\n`,
        );
      }
    });
    process.stdout.write(
      `Dovecot on 127.0.0.1:${dovecot.tlsPort} (TLS, verified). Starting Solon with ${config.rules.length} rules…\n`,
    );
    await engine.start();
    await until(() => engine.status()[0]?.state === 'watching', 20_000, 'Solon to start watching');

    const msgs = distinctById(spamAssassinMessages()).slice(0, count);
    process.stdout.write(
      `Delivering ${msgs.length} real messages from the SpamAssassin corpus while Solon watches…\n`,
    );
    const t0 = Date.now();
    await dovecot.appendMany(
      'demo',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    await until(() => decisions.length >= msgs.length, 120_000, 'every message to be handled');
    const seconds = (Date.now() - t0) / 1000;
    await engine.stop();

    // The server is the judge: where is each message now?
    const boxes = ['INBOX', ...demoFolders()];
    const where = await serverLocations(dovecot, 'demo', boxes);
    const counts = await dovecot.mailboxCounts('demo');
    const { lost, twice: duplicates, misplaced } = auditSorting(msgs, where);
    const keys = decisions.map((d) => d.key);
    const errors = decisions.filter(
      (d) => d.result === 'error' || d.result === 'quarantined',
    ).length;
    process.stdout.write(
      `\nSummary\n  delivered   ${msgs.length}\n  handled     ${new Set(keys).size} (${decisions.filter((d) => d.result === 'done').length} acted on, ${decisions.filter((d) => d.result === 'no-match').length} no rule matched) in ${seconds.toFixed(1)} s\n`,
    );
    for (const box of boxes) process.stdout.write(`  ${box.padEnd(20)} ${counts[box] ?? 0}\n`);
    process.stdout.write(
      `  duplicates  ${duplicates + (keys.length - new Set(keys).size)}\n  lost        ${lost}\n  misplaced   ${misplaced}\n  errors      ${errors}\n`,
    );
    return lost + duplicates + misplaced + errors === 0 && new Set(keys).size === msgs.length
      ? 0
      : 1;
  } finally {
    await dovecot.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
