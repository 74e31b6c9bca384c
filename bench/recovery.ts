/**
 * `npm run bench:recovery [-- --samples 3 --idle-minutes 10 --skip refusal,idle]`: recovery figures of the engine
 * with DEFAULT settings on loopback, real clock, through the fault proxy:
 *   1. time to detect a silent half-open connection (no OS signal)       goal ≤ 60 s
 *   2. time from resume() to watching with the sleep-time backlog handled  goal < 3 s
 *   3. reconnect attempts per minute while the server refuses
 *   4. idle CPU and RSS of headless Solon with two accounts (bench/idle-cost.ts)
 * Prints one table; --json FILE writes the figures. --skip leaves out 3 (refusal) and/or 4 (idle):
 * `npm run bench` runs the idle cost itself, beside the recovery samples.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../src/main/core/engine.js';
import type { ActivityEntry } from '../src/shared/domain/activity.js';
import { spamAssassinMessages } from '../test/helpers/corpus.js';
import { distinctById } from '../test/helpers/corpus-expect.js';
import { startDovecot } from '../test/helpers/dovecot.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { configFor, projectRoot, sortEverything } from '../test/helpers/solon-config.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '3' },
    'idle-minutes': { type: 'string', default: '10' },
    json: { type: 'string' },
    skip: { type: 'string', default: '' },
  },
});
const samples = Number(values.samples);
const skip = new Set(values.skip.split(',').filter(Boolean));
for (const k of skip)
  if (k !== 'refusal' && k !== 'idle')
    throw new Error(`--skip takes refusal and/or idle, not ${k}`);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
async function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('deadline passed');
    await pause(5);
  }
}

async function main(): Promise<void> {
  const d = await startDovecot({ users: [{ user: 'rec', password: 'rec-pw' }] });
  const proxy = await startFaultProxy({ host: d.host, port: d.tlsPort });
  const dataDir = await mkdtemp(join(tmpdir(), 'solon-recovery-'));
  let engine: Engine | undefined;
  const out: Record<string, unknown> = {};
  try {
    await d.createMailbox('rec', 'Sorted');
    const base = configFor(d, {
      user: 'rec',
      passwordEnv: 'REC_PW',
      dataDir,
      rules: sortEverything,
    }) as { accounts: Record<string, unknown>[] };
    base.accounts[0]!.port = proxy.port;
    engine = createEngine({ config: parseConfig(base), dataDir, env: { REC_PW: 'rec-pw' } });
    const e = engine;
    const activity: ActivityEntry[] = [];
    e.onActivity((a) => activity.push(a));
    const state = (): string | undefined => e.status()[0]?.state;
    await e.start();
    await until(() => state() === 'watching', 20_000);
    const corpus = distinctById(spamAssassinMessages());
    let next = 0;

    // 1. Half-open detection.
    const detect: number[] = [];
    for (let i = 0; i < samples; i++) {
      await until(() => state() === 'watching', 120_000);
      await pause(1_000 + Math.random() * 5_000); // land anywhere in the watchdog's cycle
      const t0 = Date.now();
      proxy.newPath();
      await until(() => state() !== 'watching', 120_000);
      detect.push(Date.now() - t0);
      process.stderr.write(`half-open detected in ${(detect[i]! / 1000).toFixed(1)} s\n`);
    }
    out.halfOpenDetectSeconds = detect.map((x) => x / 1000);

    // 2. resume() → watching with the backlog handled.
    const resume: number[] = [];
    for (let i = 0; i < samples + 2; i++) {
      await until(() => state() === 'watching', 120_000);
      e.suspend('sleep');
      proxy.newPath();
      const msgs = corpus.slice(next, next + 20);
      next += 20;
      await d.appendMany(
        'rec',
        'INBOX',
        msgs.map((m) => m.raw),
      );
      const want = activity.length + msgs.length;
      const t0 = Date.now();
      e.resume('wake');
      await until(() => activity.length >= want && state() === 'watching', 60_000);
      resume.push(Date.now() - t0);
    }
    out.resumeToCaughtUpMs = resume;

    // 3. Reconnect attempts per minute while refused.
    let perMinute = NaN;
    if (!skip.has('refusal')) {
      await proxy.refuse(true, 'reset');
      proxy.resetAll();
      const before = proxy.refusedAttempts;
      await pause(60_000);
      perMinute = proxy.refusedAttempts - before;
      await proxy.refuse(false);
      const t0 = Date.now();
      await until(() => state() === 'watching', 400_000);
      out.refusedAttemptsPerMinute = perMinute;
      out.backAfterRefusalSeconds = (Date.now() - t0) / 1000;
    }

    await e.stop();
    engine = undefined;

    const row = (k: string, v: string, goal: string): string =>
      `| ${k.padEnd(48)} | ${v.padEnd(34)} | ${goal.padEnd(10)} |`;
    const lines = [
      row('figure (default settings, loopback)', 'measured', 'goal'),
      row('-'.repeat(48), '-'.repeat(34), '-'.repeat(10)),
      row(
        'silent half-open detected after (s), median',
        `${(median(detect) / 1000).toFixed(1)} (max ${(Math.max(...detect) / 1000).toFixed(1)}, n=${detect.length})`,
        '≤ 60 s',
      ),
      row(
        'resume() → watching, 20-msg backlog done (ms)',
        `${median(resume)} median (max ${Math.max(...resume)}, n=${resume.length})`,
        '< 3000 ms',
      ),
    ];
    if (!skip.has('refusal'))
      lines.push(
        row('reconnect attempts in a minute of refusals', String(perMinute), 'no storm'),
        row(
          'back after the server accepts again (s)',
          (out.backAfterRefusalSeconds as number).toFixed(1),
          '≤ backoff',
        ),
      );
    if (skip.has('idle')) {
      process.stdout.write(lines.join('\n') + '\n');
      if (values.json) await writeFile(values.json, JSON.stringify(out, null, 2));
      return;
    }

    // 4. Idle cost (its own Dovecot and two accounts, as a child process).
    const idleJson = join(dataDir, 'idle.json');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(projectRoot, 'bench', 'idle-cost.ts'),
          '--minutes',
          values['idle-minutes'],
          '--json',
          idleJson,
        ],
        { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 },
        (err, _o, stderr) => (err ? reject(new Error(`idle-cost failed: ${stderr}`)) : resolve()),
      );
    });
    out.idle = JSON.parse(await readFile(idleJson, 'utf8')) as unknown;

    const idle = out.idle as {
      wallSeconds: number;
      solon: {
        cpuSeconds: number;
        cpuPercentOfCore: number;
        rssMB: { median: number; max: number };
      };
      rawImapflow: {
        cpuSeconds: number;
        cpuPercentOfCore: number;
        rssMB: { median: number; max: number };
      };
    };
    lines.push(
      row(
        `idle CPU, two accounts, ${Math.round(idle.wallSeconds / 60)} min (% of a core)`,
        `${idle.solon.cpuPercentOfCore.toFixed(3)} (raw imapflow ${idle.rawImapflow.cpuPercentOfCore.toFixed(3)})`,
        '< 0.1 %',
      ),
      row(
        'idle RSS, median / max (MB)',
        `${idle.solon.rssMB.median.toFixed(0)} / ${idle.solon.rssMB.max.toFixed(0)} (raw ${idle.rawImapflow.rssMB.median.toFixed(0)} / ${idle.rawImapflow.rssMB.max.toFixed(0)})`,
        '< 100 MB',
      ),
    );
    process.stdout.write(lines.join('\n') + '\n');
    if (values.json) await writeFile(values.json, JSON.stringify(out, null, 2));
  } finally {
    await engine?.stop();
    await proxy.stop();
    await d.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
