/**
 * Idle cost: what headless Solon costs while it only watches (no mail arrives), next to the
 * least a Node program can do for the same job (bench/lib/raw-idle.ts: imapflow clients in
 * IDLE), measured side by side in the same window against the same private Dovecot.
 *
 *   npx tsx bench/idle-cost.ts [--minutes 10] [--json out.json] [--interval 5] [--settle 5] [--keep]
 *
 * Four subjects, each watching INBOX of its own two Dovecot users (implicit TLS with the
 * generated CA, password from the environment): Solon bundled (bench/lib/build-cli.ts, plain
 * `node`), Solon under `node --import tsx`, and the raw imapflow reference started both ways.
 * Solon runs the demo rules. Once every mailbox is watching / idling, and after --settle
 * seconds, the bench reads utime+stime of each child from /proc/<pid>/stat at the start and end
 * of the window and samples VmRSS from /proc/<pid>/status every --interval seconds. IMAP
 * commands are counted by Dovecot (stats metric per session and command; sessions are told apart
 * by their user). Everything is cleaned up on exit, error or Ctrl-C (--keep leaves the temp dir
 * and its logs). --engine NAME=MS (repeatable) overrides a Solon engine setting, e.g.
 * --engine probeIntervalMs=60000.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startDovecot, type Dovecot } from '../test/helpers/dovecot.js';
import { configFor, demoFolders, projectRoot } from '../test/helpers/solon-config.js';
import { bundle, CLI_NODE_FLAGS } from './lib/build-cli.js';
import { Child, killAllSync } from './lib/child.js';
import {
  commandCounts,
  commandCountingConfig,
  commandsBetween,
  sessionUsers,
} from './lib/imap-commands.js';
import {
  clockTicksPerSecond,
  descendants,
  median,
  processName,
  readCpuTicks,
  readRssKb,
} from './lib/proc.js';
import type { RawIdleSpec } from './lib/raw-idle.js';

const PASSWORD = 'idle-bench-pw';
const PASSWORD_ENV = 'IDLE_BENCH_PW';
const MAILBOX = 'INBOX';
const READY_DEADLINE_MS = 60_000;
const TARGET_CPU_PERCENT = 0.1;
const TARGET_RSS_MB = 100;

/** The subjects, in table order. */
const SUBJECTS = [
  { key: 'solon-node', label: 'Solon (bundle, node)', kind: 'solon', runtime: 'node' },
  { key: 'solon-tsx', label: 'Solon (tsx)', kind: 'solon', runtime: 'tsx' },
  { key: 'raw-node', label: 'raw imapflow (bundle, node)', kind: 'raw', runtime: 'node' },
  { key: 'raw-tsx', label: 'raw imapflow (tsx)', kind: 'raw', runtime: 'tsx' },
] as const;
type SubjectSpec = (typeof SUBJECTS)[number];
const usersOf = (s: SubjectSpec): string[] => [`${s.key}-a`, `${s.key}-b`];

interface Options {
  minutes: number;
  json: string | undefined;
  intervalS: number;
  settleS: number;
  keep: boolean;
  /** Solon engine settings to override (config `engine:`), e.g. probeIntervalMs. */
  engine: Record<string, number>;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '10' },
      json: { type: 'string' },
      interval: { type: 'string', default: '5' },
      settle: { type: 'string', default: '5' },
      keep: { type: 'boolean', default: false },
      engine: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npx tsx bench/idle-cost.ts [--minutes 10] [--json out.json] [--interval 5] [--settle 5] [--engine NAME=MS]... [--keep]\n',
    );
    process.exit(0);
  }
  const num = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  return {
    minutes: num('minutes', values.minutes, 0.1),
    json: values.json,
    intervalS: num('interval', values.interval, 0.5),
    settleS: num('settle', values.settle, 0),
    keep: values.keep,
    engine: Object.fromEntries(
      values.engine.map((kv) => {
        const m = /^(\w+)=(\d+)$/.exec(kv);
        if (!m)
          throw new Error(`--engine wants NAME=INTEGER (e.g. probeIntervalMs=60000), got ${kv}`);
        return [m[1]!, Number(m[2])];
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Cleanup: children, Dovecot, temp dir — on success, failure, Ctrl-C or SIGTERM.

const children = new Set<Child>();
let dovecot: Dovecot | undefined;
let tempDir: string | undefined;
let keepTemp = false;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([...children].map((c) => c.stop()));
    await dovecot?.stop().catch(() => undefined);
    if (tempDir && !keepTemp) await rm(tempDir, { recursive: true, force: true });
    else if (tempDir) say(`kept ${tempDir}`);
  })();
  return cleaning;
}

function installSignalHandlers(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      say(`${signal}: stopping the children and Dovecot, removing temp files`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  // Last resort when the process exits some other way: only synchronous work runs here (the
  // Dovecot helper kills its own instance from its own exit hook).
  process.once('exit', () => {
    killAllSync();
    if (tempDir && !keepTemp) rmSync(tempDir, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------------------------

function say(line: string): void {
  process.stdout.write(`[idle-cost] ${line}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A measured child process. */
interface Subject {
  spec: SubjectSpec;
  child: Child;
  logFile: string;
  /** Substrings that must all appear in its output once the subject is watching everything. */
  readyMarkers: string[];
}

/** `node FILE args` (bundle) or `node --import tsx FILE args`, output to logFile. */
function spawnSubject(
  spec: SubjectSpec,
  file: string,
  args: string[],
  logFile: string,
  nodeFlags: readonly string[] = [],
): Child {
  const child = new Child(
    spec.label,
    process.execPath,
    [...nodeFlags, ...(spec.runtime === 'tsx' ? ['--import', 'tsx'] : []), file, ...args],
    { cwd: projectRoot, env: { [PASSWORD_ENV]: PASSWORD }, logFile },
  );
  children.add(child);
  return child;
}

function assertAlive(s: Subject): void {
  if (!s.child.running)
    throw new Error(`${s.spec.label} exited; log: ${s.logFile}\n${s.child.tail()}`);
}

/** Every subject watching (its ready lines printed), by its output as it comes; no polling. */
async function waitReady(subjects: Subject[]): Promise<void> {
  await Promise.all(
    subjects.map(async (s) => {
      await s.child.waitFor(
        (out) => s.readyMarkers.every((m) => out.includes(m)),
        READY_DEADLINE_MS,
      );
      say(`${s.spec.label} is watching (pid ${s.child.pid})`);
    }),
  );
}

interface ChildInfo {
  pid: number;
  name: string;
}

const childInfo = (pid: number): ChildInfo[] =>
  descendants(pid).map((p) => ({ pid: p, name: processName(p) }));

interface SubjectResult {
  key: string;
  label: string;
  pid: number;
  cpuTicks: number;
  cpuSeconds: number;
  cpuPercentOfCore: number;
  rssMB: { min: number; median: number; max: number };
  rssSamplesKb: number[];
  imapCommands: { total: number; byName: Record<string, number> };
  loginsDuringWindow: number;
  /** Child processes of the subject (their CPU and RSS are not in the figures). */
  descendantsAtStart: ChildInfo[];
  descendantsAtEnd: ChildInfo[];
}

const mb = (kb: number): number => kb / 1024;
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  keepTemp = opts.keep;
  installSignalHandlers();
  const hz = clockTicksPerSecond();

  tempDir = await mkdtemp(path.join(os.tmpdir(), 'solon-idle-cost-'));
  const dir = tempDir;
  say(`temp dir ${dir}`);
  const built = await bundle(
    ['src/main/cli.ts', 'bench/lib/raw-idle.ts'],
    path.join(projectRoot, 'out', 'bench-idle'),
  );
  dovecot = await startDovecot({
    users: SUBJECTS.flatMap(usersOf).map((user) => ({ user, password: PASSWORD })),
    extraConfig: commandCountingConfig,
  });
  const d = dovecot;
  say(`private Dovecot on 127.0.0.1:${d.tlsPort} (implicit TLS)`);

  /** What a subject runs: the bundle (plain node) or the source (under tsx). */
  const fileOf = (spec: SubjectSpec, entry: string): string =>
    spec.runtime === 'node' ? built[entry]! : path.join(projectRoot, entry);
  const subjects: Subject[] = [];
  for (const spec of SUBJECTS) {
    const users = usersOf(spec);
    const logFile = path.join(dir, `${spec.key}.log`);
    let child: Child;
    let readyMarkers: string[];
    if (spec.kind === 'solon') {
      for (const u of users) for (const f of demoFolders()) await d.createMailbox(u, f);
      // One account per user, built by the same helper the tests use.
      const perUser = users.map((user) =>
        configFor(d, {
          user,
          passwordEnv: PASSWORD_ENV,
          dataDir: path.join(dir, `${spec.key}-data`),
          mailboxes: [MAILBOX],
          engine: opts.engine,
        }),
      );
      const config = { ...perUser[0]!, accounts: perUser.flatMap((c) => c.accounts) };
      const configFile = path.join(dir, `${spec.key}.json`);
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const file = fileOf(spec, 'src/main/cli.ts');
      // The bundle runs as its first line says (CLI_NODE_FLAGS); the tsx run as `npm run solon`.
      child = spawnSubject(
        spec,
        file,
        ['run', '--config', configFile],
        logFile,
        spec.runtime === 'node' ? CLI_NODE_FLAGS : [],
      );
      readyMarkers = users.map((u) => `account ${u}: watching`);
    } else {
      const rawSpec: RawIdleSpec = {
        host: d.host,
        port: d.tlsPort,
        caFile: d.caFile,
        accounts: users.map((user) => ({ user, passwordEnv: PASSWORD_ENV, mailbox: MAILBOX })),
      };
      const specFile = path.join(dir, `${spec.key}.json`);
      await writeFile(specFile, JSON.stringify(rawSpec, null, 2));
      child = spawnSubject(spec, fileOf(spec, 'bench/lib/raw-idle.ts'), [specFile], logFile);
      readyMarkers = users.map((u) => `raw-idle ${u}/${MAILBOX}: idling`);
    }
    subjects.push({ spec, child, logFile, readyMarkers });
  }
  await waitReady(subjects);
  if (opts.settleS > 0) {
    say(`settling ${opts.settleS} s`);
    await sleep(opts.settleS * 1000);
  }

  // ---- the measured window ----
  const durationMs = opts.minutes * 60_000;
  const intervalMs = opts.intervalS * 1000;
  for (const s of subjects) assertAlive(s);
  const logOffset = (await stat(d.logFile)).size;
  const cmdsBefore = await commandCounts(d);
  const descStart = subjects.map((s) => childInfo(s.child.pid));
  const rss: number[][] = subjects.map(() => []);
  const sampleRss = (): void =>
    subjects.forEach((s, i) => {
      assertAlive(s);
      rss[i]!.push(readRssKb(s.child.pid));
    });
  const t0 = performance.now();
  const cpu0 = subjects.map((s) => readCpuTicks(s.child.pid));
  sampleRss();
  say(
    `measuring for ${opts.minutes} min (RSS every ${opts.intervalS} s); Ctrl-C stops and cleans up`,
  );
  let lastProgress = t0;
  for (let k = 1; ; k++) {
    const next = Math.min(t0 + k * intervalMs, t0 + durationMs);
    await sleep(next - performance.now());
    sampleRss();
    const now = performance.now();
    if (now - lastProgress >= 60_000 && next < t0 + durationMs) {
      lastProgress = now;
      say(
        `${((now - t0) / 60_000).toFixed(1)} min: ` +
          subjects
            .map(
              (s, i) =>
                `${s.spec.label} cpu ${((readCpuTicks(s.child.pid) - cpu0[i]!) / hz).toFixed(2)} s, rss ${mb(rss[i]!.at(-1)!).toFixed(1)} MiB`,
            )
            .join('; '),
      );
    }
    if (next >= t0 + durationMs) break;
  }
  const cpu1 = subjects.map((s) => readCpuTicks(s.child.pid));
  const t1 = performance.now();
  for (const s of subjects) assertAlive(s);
  const cmdsAfter = await commandCounts(d);
  const descEnd = subjects.map((s) => childInfo(s.child.pid));
  const dovecotLog = await readFile(d.logFile);
  // ---- end of the window ----

  const wallSeconds = (t1 - t0) / 1000;
  // Sessions are told apart by user; each subject has its own two users.
  const subjectOfUser = new Map(
    subjects.flatMap((s) => usersOf(s.spec).map((u) => [u, s.spec.key])),
  );
  const toSubject = (users: Map<string, string>): Map<string, string> =>
    new Map([...users].map(([session, user]) => [session, subjectOfUser.get(user) ?? user]));
  const sessions = toSubject(sessionUsers(dovecotLog.toString('utf8')));
  const newSessions = toSubject(sessionUsers(dovecotLog.subarray(logOffset).toString('utf8')));
  const cmds = commandsBetween(cmdsBefore, cmdsAfter, sessions);

  const results: SubjectResult[] = subjects.map((s, i) => {
    const ticks = cpu1[i]! - cpu0[i]!;
    const samples = rss[i]!;
    const byName = Object.fromEntries(
      [...(cmds.get(s.spec.key) ?? new Map<string, number>())].sort(([a], [b]) =>
        a.localeCompare(b),
      ),
    );
    return {
      key: s.spec.key,
      label: s.spec.label,
      pid: s.child.pid,
      cpuTicks: ticks,
      cpuSeconds: ticks / hz,
      cpuPercentOfCore: (ticks / hz / wallSeconds) * 100,
      rssMB: {
        min: mb(Math.min(...samples)),
        median: mb(median(samples)),
        max: mb(Math.max(...samples)),
      },
      rssSamplesKb: samples,
      imapCommands: {
        total: Object.values(byName).reduce((a, b) => a + b, 0),
        byName,
      },
      loginsDuringWindow: [...newSessions.values()].filter((k) => k === s.spec.key).length,
      descendantsAtStart: descStart[i]!,
      descendantsAtEnd: descEnd[i]!,
    };
  });
  const byKey = (key: string): SubjectResult => results.find((r) => r.key === key)!;
  const sr = byKey('solon-node');
  const targets = {
    idleCpuPercentOfCore: {
      limit: TARGET_CPU_PERCENT,
      value: sr.cpuPercentOfCore,
      pass: sr.cpuPercentOfCore < TARGET_CPU_PERCENT,
    },
    rssMaxMB: { limit: TARGET_RSS_MB, value: sr.rssMB.max, pass: sr.rssMB.max < TARGET_RSS_MB },
  };

  printTable({ opts, hz, wallSeconds, samples: rss[0]!.length, results });
  if (opts.json) {
    const doc = {
      bench: 'idle-cost',
      date: new Date().toISOString(),
      host: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
        dovecot: execFileSync('/usr/sbin/dovecot', ['--version'], { encoding: 'utf8' }).trim(),
        kernel: os.release(),
      },
      settings: {
        minutes: opts.minutes,
        intervalSeconds: opts.intervalS,
        settleSeconds: opts.settleS,
        clkTck: hz,
        accounts: 2,
        mailboxesPerAccount: 1,
        tls: 'implicit',
        mode: 'side by side, same Dovecot, two users per subject',
        rssUnit: 'MB = VmRSS kB / 1024',
        solonEngineOverrides: opts.engine,
      },
      wallSeconds,
      subjects: results,
      // The figures the targets are about: the bundled Solon, beside the bundled reference.
      solon: sr,
      rawImapflow: byKey('raw-node'),
      targets,
    };
    await writeFile(opts.json, JSON.stringify(doc, null, 2) + '\n');
    say(`wrote ${opts.json}`);
  }
}

function printTable(r: {
  opts: Options;
  hz: number;
  wallSeconds: number;
  samples: number;
  results: SubjectResult[];
}): void {
  const cols = r.results;
  const rows: string[][] = [
    ['', ...cols.map((c) => c.label)],
    ['CPU seconds', ...cols.map((c) => c.cpuSeconds.toFixed(2))],
    ['CPU % of one core', ...cols.map((c) => `${c.cpuPercentOfCore.toFixed(4)} %`)],
    ['RSS min MB', ...cols.map((c) => c.rssMB.min.toFixed(1))],
    ['RSS median MB', ...cols.map((c) => c.rssMB.median.toFixed(1))],
    ['RSS max MB', ...cols.map((c) => c.rssMB.max.toFixed(1))],
    ['IMAP commands', ...cols.map((c) => String(c.imapCommands.total))],
    ['logins in window', ...cols.map((c) => String(c.loginsDuringWindow))],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const fmt = (row: string[]): string =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('   ')
      .trimEnd();
  const byName = (s: SubjectResult): string =>
    Object.entries(s.imapCommands.byName)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines = [
    '',
    `Idle cost — 2 accounts × 1 mailbox (INBOX) per subject, implicit TLS, private Dovecot; side by side`,
    `window ${round(r.wallSeconds, 1)} s wall (${r.opts.minutes} min) after all watching + ${r.opts.settleS} s settle; ` +
      `RSS every ${r.opts.intervalS} s (${r.samples} samples); CPU = utime+stime, CLK_TCK ${r.hz}; MB = VmRSS kB / 1024`,
    `targets (Solon bundle): CPU < ${TARGET_CPU_PERCENT} % of a core, RSS < ${TARGET_RSS_MB} MB`,
    '',
    ...(Object.keys(r.opts.engine).length
      ? [
          `Solon engine overrides: ${Object.entries(r.opts.engine)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        ]
      : []),
    ...rows.map(fmt),
    '',
    `IMAP commands finished in the window (Dovecot stats): ${cols.map((c) => `${c.label}: ${byName(c)}`).join('; ')}`,
  ];
  for (const s of cols) {
    const seen = new Map(
      [...s.descendantsAtStart, ...s.descendantsAtEnd].map((c) => [c.pid, c.name]),
    );
    if (seen.size)
      lines.push(
        `note: ${s.label} has child processes (${[...seen].map(([pid, name]) => `${pid} ${name}`).join(', ')}), not in its figures`,
      );
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (err: unknown) => {
    process.stderr.write(`idle-cost: ${(err as Error)?.stack ?? String(err)}\n`);
    if (tempDir) {
      for (const s of SUBJECTS)
        process.stderr.write(
          `--- ${s.key}.log (tail) ---\n${await tail(path.join(tempDir, `${s.key}.log`))}\n`,
        );
    }
    await cleanup();
    process.exit(1);
  },
);
