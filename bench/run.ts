/**
 * `npm run bench [-- options]`: how well Solon does its job against what a user would otherwise
 * run, side by side in the same run on the same machine (bench/README.md explains each
 * scenario). Prints one table and writes bench/results/<date>.json.
 *
 *   --only LIST            scenarios to run: latency,backlog,memory,recovery,idle (default all)
 *   --latency-rounds N     measured rounds of single deliveries, +1 warm-up (default 40)
 *   --messages N           backlog size (default 5000)
 *   --rounds N             backlog rounds (default 3)
 *   --memory-count N       largest tricky-mime messages (default 10), --memory-repeats R (2)
 *   --recovery-samples N   half-open detections (default 3; resume samples: N + 2)
 *   --idle-minutes M       idle window (default 10; runs beside the recovery samples)
 *   --json FILE            where the figures go (default bench/results/<date>.json)
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Rule } from '../src/shared/domain/rule.js';
import { fetchPlanFor } from '../src/main/core/mail/fetch-plan.js';
import { spamAssassinMessages, trickyMimeDir } from '../test/helpers/corpus.js';
import { distinctById, rawHeader } from '../test/helpers/corpus-expect.js';
import { startDovecot, type Dovecot } from '../test/helpers/dovecot.js';
import { projectRoot } from '../test/helpers/solon-config.js';
import { benchFolders, benchRules } from './lib/bench-rules.js';
import { bundle, CLI_NODE_FLAGS } from './lib/build-cli.js';
import { killAllSync } from './lib/child.js';
import { IMAPFILTER, PASSWORD, type BenchContext, type SolonBuild } from './lib/context.js';
import { resultRows, type IdleFigures, type RecoveryFigures, type Results } from './lib/report.js';
import { sample } from './lib/sample.js';
import { markdownTable } from './lib/table.js';
import { backlogUsers, runBacklog, STOCK_USER } from './scenarios/backlog.js';
import { latencyUsers, runLatency } from './scenarios/latency.js';
import { MEMORY_FOLDERS, memoryUsers, runMemory } from './scenarios/memory.js';

const SCENARIOS = ['latency', 'backlog', 'memory', 'recovery', 'idle'] as const;
const SEED = 7;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: SCENARIOS.join(',') },
    'latency-rounds': { type: 'string', default: '40' },
    messages: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    'memory-count': { type: 'string', default: '10' },
    'memory-repeats': { type: 'string', default: '2' },
    'recovery-samples': { type: 'string', default: '3' },
    'idle-minutes': { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const only = new Set(values.only.split(',').filter(Boolean));
for (const s of only)
  if (!(SCENARIOS as readonly string[]).includes(s))
    throw new Error(`--only takes ${SCENARIOS.join(',')}; not ${s}`);
const int = (name: keyof typeof values, min: number): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
  return n;
};

const started = performance.now();
function say(line: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${s}s] ${line}\n`);
}

function runChild(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${args[0]} failed: ${err.message}\n${stderr}\n${stdout}`));
        else resolve();
      },
    );
  });
}

function host(): Record<string, string | number> {
  // imapfilter -V answers on stderr.
  const version = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || 'unknown';
  };
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage1mAtStart: Number(os.loadavg()[0]!.toFixed(2)),
    node: process.version,
    dovecot: `Dovecot ${version('/usr/sbin/dovecot', ['--version'])}`,
    imapfilter: version(IMAPFILTER, ['-V']).replace(/\s+Copyright.*/, ''),
    kernel: os.release(),
  };
}

async function main(): Promise<void> {
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const hostInfo = host();
  say(`${command} (load average ${hostInfo.loadAverage1mAtStart} on ${hostInfo.cpus} cores)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'solon-bench-'));
  const rules = benchRules();
  const parsedRules = rules.map((r) => Rule.parse(r));
  const plan = fetchPlanFor(parsedRules, []);
  const rawHeaders = plan.headers === 'all' ? ['message-id'] : plan.headers;

  // Every Node subject is a bundle run with plain node (bench/lib/build-cli.ts).
  const out = path.join(projectRoot, 'out', 'bench');
  const built = await bundle(['src/main/cli.ts', 'bench/peers/raw-fetch.ts'], out);
  const solons: SolonBuild[] = [{ key: 'solon', label: 'Solon', cli: built['src/main/cli.ts']! }];
  say(`built ${solons.map((s) => s.label).join(', ')} and the raw fetch into out/`);

  const results: Results = { solons: solons.map((s) => s.label) };
  const doc: Record<string, unknown> = {
    bench: 'side-by-side',
    date: new Date().toISOString(),
    command,
    host: hostInfo,
    solonBuilds: solons.map(({ key, label, cli }) => ({
      key,
      label,
      cli: path.relative(projectRoot, cli),
    })),
    rules: { count: rules.length, fetchPlan: plan },
    results,
  };

  let d: Dovecot | undefined;
  try {
    if (only.has('latency') || only.has('backlog') || only.has('memory')) {
      const ctxUsers = [...latencyUsers({ solons }), ...backlogUsers({ solons }), ...memoryUsers()];
      d = await startDovecot({ users: ctxUsers.map((user) => ({ user, password: PASSWORD })) });
      const ctx: BenchContext = {
        d,
        dir,
        solons,
        rawFetch: built['bench/peers/raw-fetch.ts']!,
        say,
      };
      for (const u of ctxUsers)
        if (u !== STOCK_USER && u !== 'lat-floor' && u !== 'bl-raw')
          for (const f of [...benchFolders(rules), ...(u.startsWith('mem-') ? MEMORY_FOLDERS : [])])
            await d.createMailbox(u, f);
      const corpus = distinctById(spamAssassinMessages());

      if (only.has('latency')) {
        // Single messages that one of the rules moves (every list message does).
        const listMail = corpus.filter((m) => rawHeader(m.raw, 'List-Id'));
        const messages = sample(listMail, Math.min(listMail.length, 500), SEED);
        results.latency = await runLatency(ctx, {
          rounds: int('latency-rounds', 1),
          rules,
          messages,
        });
      }
      if (only.has('backlog')) {
        const n = int('messages', 1);
        say(`backlog: writing ${n} messages into the stock Maildir`);
        for (const m of sample(corpus, n, SEED)) await d.deliverToMaildir(STOCK_USER, m.raw);
        const indexed = (await d.mailboxCounts(STOCK_USER)).INBOX;
        if (indexed !== n) throw new Error(`stock INBOX holds ${indexed}, not ${n}`);
        results.backlog = await runBacklog(ctx, {
          rounds: int('rounds', 1),
          messages: n,
          rules,
          rawHeaders,
        });
      }
      if (only.has('memory')) {
        const tricky = trickyMimeDir();
        if (!tricky) say('memory: ../shared/corpora/tricky-mime is absent; skipped');
        else
          results.memory = await runMemory(ctx, {
            trickyDir: tricky,
            count: int('memory-count', 1),
            repeats: int('memory-repeats', 1),
            rules,
          });
      }
      await d.stop();
      d = undefined;
    }

    // Recovery (the engine in this process's sibling, default settings, through the fault
    // proxy) and the idle window run at the same time: both mostly wait, each has its own
    // Dovecot, and CPU time and RSS are counted per process.
    const recoveryJson = path.join(dir, 'recovery.json');
    const idleJson = path.join(dir, 'idle.json');
    const waits: Promise<void>[] = [];
    if (only.has('idle')) {
      say(`idle: ${values['idle-minutes']} min, 2 accounts per subject (bench/idle-cost.ts)`);
      waits.push(
        runChild([
          path.join('bench', 'idle-cost.ts'),
          '--minutes',
          values['idle-minutes'],
          '--json',
          idleJson,
        ]).then(async () => {
          const idle = JSON.parse(await readFile(idleJson, 'utf8')) as IdleFigures;
          results.idle = { wallSeconds: idle.wallSeconds, subjects: idle.subjects };
          say('idle: done');
        }),
      );
    }
    if (only.has('recovery')) {
      say(`recovery: ${values['recovery-samples']} half-open detections (bench/recovery.ts)`);
      waits.push(
        runChild([
          path.join('bench', 'recovery.ts'),
          '--samples',
          values['recovery-samples'],
          '--skip',
          'refusal,idle',
          '--json',
          recoveryJson,
        ]).then(async () => {
          results.recovery = JSON.parse(await readFile(recoveryJson, 'utf8')) as RecoveryFigures;
          say('recovery: done');
        }),
      );
    }
    const settled = await Promise.allSettled(waits);
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length) throw failed[0]!.reason;
  } finally {
    await d?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const rows = resultRows(results);
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const table = markdownTable(rows);
  const header = `\`${command}\` — ${new Date().toISOString().slice(0, 10)}, ${minutes} min, ${hostInfo.cpus} cores (load ${hostInfo.loadAverage1mAtStart} at start), Node ${hostInfo.node}, ${hostInfo.dovecot}, ${hostInfo.imapfilter}. Solon is the bundled CLI run as its first line says (\`node ${CLI_NODE_FLAGS.join(' ')} cli.mjs\`).`;
  process.stdout.write(`\n${header}\n\n${table}\n\n`);
  doc.minutes = Number(minutes);
  doc.table = table;
  const jsonFile = values.json ?? (await resultsFile());
  await writeFile(jsonFile, JSON.stringify(doc, null, 2) + '\n');
  say(`wrote ${path.relative(projectRoot, jsonFile)}`);
}

/** bench/results/<date>.json, or <date>-2.json… when that day already has one. */
async function resultsFile(): Promise<string> {
  const base = path.join(projectRoot, 'bench', 'results');
  await mkdir(base, { recursive: true });
  const day = new Date().toISOString().slice(0, 10);
  for (let i = 1; ; i++) {
    const f = path.join(base, i === 1 ? `${day}.json` : `${day}-${i}.json`);
    if (!existsSync(f)) return f;
  }
}

process.once('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    say(`${signal}: stopping`);
    process.exit(130);
  });

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
