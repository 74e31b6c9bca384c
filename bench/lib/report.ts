// From the scenarios' results to the table's rows (pure; tested in test/unit/bench/report.test.ts).
import type { BacklogResult } from '../scenarios/backlog.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { MemoryResult } from '../scenarios/memory.js';
import { addedOverFloor, median, percentile, ratio } from './stats.js';
import { fmtMB, fmtMs, fmtRate, fmtRatio, type Row } from './table.js';

/** The targets of issue 7, as numbers. */
export const TARGETS = {
  /** Solon's added latency over the floor ≤ this × imapfilter's (p50 and p99). */
  latencyVsImapfilter: 0.5,
  /** Backlog messages per second ≥ this × imapfilter's. */
  backlogVsImapfilter: 1.5,
  resumeMs: 3_000,
  halfOpenSeconds: 60,
  idleCpuPercent: 0.1,
  idleRssMB: 100,
} as const;

export interface RecoveryFigures {
  halfOpenDetectSeconds: number[];
  resumeToCaughtUpMs: number[];
}

export interface IdleSubject {
  key: string;
  label: string;
  cpuPercentOfCore: number;
  cpuSeconds: number;
  rssMB: { min: number; median: number; max: number };
}

export interface IdleFigures {
  wallSeconds: number;
  subjects: IdleSubject[];
}

export interface Results {
  /** Solon builds, main first (labels as used in the scenario results). */
  solons: string[];
  latency?: LatencyResult;
  backlog?: BacklogResult;
  memory?: MemoryResult;
  recovery?: RecoveryFigures;
  idle?: IdleFigures;
}

function latencyRows(r: LatencyResult, solons: string[]): Row[] {
  const floor = r.floorMs;
  const imf = r.toolsMs.imapfilter ?? [];
  const rows: Row[] = [
    {
      scenario: '1',
      measure: `floor: delivery → EXISTS at a bare IDLE listener, p50 / p99 (n=${floor.length})`,
      solon: '',
      peers: `floor ${fmtMs(percentile(floor, 50))} / ${fmtMs(percentile(floor, 99))}`,
      ratio: '',
      target: '',
      met: null,
    },
  ];
  const imfAdded = imf.length ? addedOverFloor(imf, floor) : undefined;
  for (const label of solons) {
    const ms = r.toolsMs[label] ?? [];
    if (!ms.length || !imfAdded) continue;
    const added = addedOverFloor(ms, floor);
    for (const p of ['p50', 'p99'] as const) {
      const x = ratio(added[p], imfAdded[p]);
      rows.push({
        scenario: '1',
        measure: `${label}: time added over the floor, ${p} (n=${ms.length}; delivery → out of INBOX ${fmtMs(percentile(ms, p === 'p50' ? 50 : 99))})`,
        solon: fmtMs(added[p]),
        peers: `imapfilter ${fmtMs(imfAdded[p])} (out of INBOX ${fmtMs(percentile(imf, p === 'p50' ? 50 : 99))})`,
        ratio: `${fmtRatio(x)} imapfilter`,
        target: `≤ ${TARGETS.latencyVsImapfilter}× imapfilter`,
        met: x !== null && x <= TARGETS.latencyVsImapfilter,
      });
    }
  }
  const missed = Object.entries(r.missed).filter(([, n]) => n > 0);
  const left = Object.entries(r.inboxLeft).filter(([, n]) => n > 0);
  rows.push({
    scenario: '1',
    measure: 'every delivered message acted on (none missed, INBOX empty after)',
    solon: missed.length || left.length ? 'no' : 'yes',
    peers:
      missed.length || left.length
        ? [
            ...missed.map(([k, n]) => `${k} missed ${n}`),
            ...left.map(([k, n]) => `${k} left ${n}`),
          ].join('; ')
        : 'all subjects: yes',
    ratio: '',
    target: 'all',
    met: missed.length === 0 && left.length === 0,
  });
  return rows;
}

/** Median gross and net (minus the empty run) messages per second of one subject. */
export function backlogRates(
  r: BacklogResult,
  label: string,
): { gross: number; net: number; fullMs: number; emptyMs: number } {
  const runs = r.runs[label] ?? [];
  if (!runs.length) return { gross: NaN, net: NaN, fullMs: NaN, emptyMs: NaN };
  const fullMs = median(runs.map((x) => x.fullMs));
  const emptyMs = median(runs.map((x) => x.emptyMs));
  return {
    gross: median(runs.map((x) => (r.messages / x.fullMs) * 1000)),
    net: median(runs.map((x) => (r.messages / Math.max(1, x.fullMs - x.emptyMs)) * 1000)),
    fullMs,
    emptyMs,
  };
}

function backlogRows(r: BacklogResult, solons: string[]): Row[] {
  const imf = backlogRates(r, 'imapfilter');
  const raw = backlogRates(r, 'raw imapflow');
  const rows: Row[] = [];
  for (const label of solons) {
    const s = backlogRates(r, label);
    if (!Number.isFinite(s.gross)) continue;
    const x = ratio(s.gross, imf.gross);
    rows.push({
      scenario: '2',
      measure: `${label}: ${r.messages.toLocaleString('en-US')} messages × 20 rules, msg/s spawn → exit (median of ${r.rounds}; ${fmtMs(s.fullMs)})`,
      solon: fmtRate(s.gross),
      peers: `imapfilter ${fmtRate(imf.gross)} (${fmtMs(imf.fullMs)}) · raw fetch ${fmtRate(raw.gross)} (${fmtMs(raw.fullMs)})`,
      ratio: `${fmtRatio(x)} imapfilter · ${fmtRatio(ratio(s.gross, raw.gross))} raw`,
      target: `≥ ${TARGETS.backlogVsImapfilter}× imapfilter`,
      met: x !== null && x >= TARGETS.backlogVsImapfilter,
    });
    rows.push({
      scenario: '2',
      measure: `${label}: msg/s net of the empty run (start-up, login, logout: ${fmtMs(s.emptyMs)})`,
      solon: fmtRate(s.net),
      peers: `imapfilter ${fmtRate(imf.net)} (${fmtMs(imf.emptyMs)}) · raw fetch ${fmtRate(raw.net)} (${fmtMs(raw.emptyMs)})`,
      ratio: `${fmtRatio(ratio(s.net, imf.net))} imapfilter · ${fmtRatio(ratio(s.net, raw.net))} raw`,
      target: '',
      met: null,
    });
  }
  rows.push({
    scenario: '2',
    measure: 'same count in every folder as imapfilter (the same rules, two ways), every round',
    solon: r.mismatches.length ? 'no' : 'yes',
    peers: r.mismatches.length ? r.mismatches.join('; ') : '',
    ratio: '',
    target: 'same',
    met: r.mismatches.length === 0,
  });
  return rows;
}

function recoveryRows(r: RecoveryFigures): Row[] {
  const resume = r.resumeToCaughtUpMs;
  const detect = r.halfOpenDetectSeconds;
  return [
    {
      scenario: '3',
      measure: `resume() → watching with a 20-message backlog handled, median (max; n=${resume.length})`,
      solon: `${fmtMs(median(resume))} (${fmtMs(Math.max(...resume))})`,
      peers: '',
      ratio: '',
      target: `< ${TARGETS.resumeMs / 1000} s`,
      met: Math.max(...resume) < TARGETS.resumeMs,
    },
    {
      scenario: '3',
      measure: `silent half-open connection detected after, median (max; n=${detect.length})`,
      solon: `${median(detect).toFixed(1)} s (${Math.max(...detect).toFixed(1)} s)`,
      peers: 'imapflow alone: 2 × socketTimeout ≈ 600 s (DESIGN.md §4)',
      ratio: '',
      target: `≤ ${TARGETS.halfOpenSeconds} s`,
      met: Math.max(...detect) <= TARGETS.halfOpenSeconds,
    },
  ];
}

function idleRows(r: IdleFigures): Row[] {
  const [main, ...others] = r.subjects;
  if (!main) return [];
  const minutes = Math.round(r.wallSeconds / 60);
  const othersText = (f: (s: IdleSubject) => string): string =>
    others.map((s) => `${s.label} ${f(s)}`).join(' · ');
  return [
    {
      scenario: '4',
      measure: `${main.label}: idle CPU, 2 accounts, ${minutes} min (${main.cpuSeconds.toFixed(2)} CPU s)`,
      solon: `${main.cpuPercentOfCore.toFixed(3)} %`,
      peers: othersText((s) => `${s.cpuPercentOfCore.toFixed(3)} %`),
      ratio: '',
      target: `< ${TARGETS.idleCpuPercent} % of a core`,
      met: main.cpuPercentOfCore < TARGETS.idleCpuPercent,
    },
    {
      scenario: '4',
      measure: `${main.label}: idle RSS, median / max`,
      solon: `${fmtMB(main.rssMB.median)} / ${fmtMB(main.rssMB.max)}`,
      peers: othersText((s) => `${fmtMB(s.rssMB.median)} / ${fmtMB(s.rssMB.max)}`),
      ratio: '',
      target: `< ${TARGETS.idleRssMB} MB`,
      met: main.rssMB.max < TARGETS.idleRssMB,
    },
  ];
}

function memoryRows(r: MemoryResult, solons: string[]): Row[] {
  const label = solons[0]!;
  const s = r.subjects[label];
  const imf = r.subjects.imapfilter;
  if (!s) return [];
  const sizes = r.messages.map((m) => m.bytes);
  const what = `${r.messages.length} largest tricky-mime messages (${(Math.max(...sizes) / 1e6).toFixed(1)} MB … ${(Math.min(...sizes) / 1e3).toFixed(0)} kB) × ${r.repeats}`;
  const missed = s.missed + (imf?.missed ?? 0);
  return [
    {
      scenario: '5',
      measure: `${label}: peak RSS (VmHWM) handling the ${what}; RSS before → peak`,
      solon: `${fmtMB(s.rssBeforeMB)} → ${fmtMB(s.peakMB)} (+${(s.peakMB - s.rssBeforeMB).toFixed(1)} MB)`,
      peers: imf
        ? `imapfilter ${imf.rssBeforeMB.toFixed(1)} → ${imf.peakMB.toFixed(1)} MB (+${(imf.peakMB - imf.rssBeforeMB).toFixed(1)} MB)`
        : '',
      ratio: '',
      target: `< ${TARGETS.idleRssMB} MB`,
      met: s.peakMB < TARGETS.idleRssMB && missed === 0,
    },
  ];
}

export function resultRows(r: Results): Row[] {
  return [
    ...(r.latency ? latencyRows(r.latency, r.solons) : []),
    ...(r.backlog ? backlogRows(r.backlog, r.solons) : []),
    ...(r.recovery ? recoveryRows(r.recovery) : []),
    ...(r.idle ? idleRows(r.idle) : []),
    ...(r.memory ? memoryRows(r.memory, r.solons) : []),
  ];
}
