import { describe, expect, it } from 'vitest';
import { backlogRates, resultRows, type Results } from '../../../bench/lib/report.js';
import { fmtMs, fmtRate, fmtRatio, markdownTable, type Row } from '../../../bench/lib/table.js';
import type { BacklogResult } from '../../../bench/scenarios/backlog.js';

describe('markdownTable', () => {
  it('pads columns, escapes pipes, and shows only a missed target in bold', () => {
    const rows: Row[] = [
      {
        scenario: '1',
        measure: 'a | b',
        solon: '1 ms',
        peers: 'x',
        ratio: '',
        target: '',
        met: null,
      },
      {
        scenario: '2',
        measure: 'c',
        solon: 'é',
        peers: '',
        ratio: '0.5×',
        target: 't',
        met: false,
      },
      { scenario: '3', measure: 'd', solon: '', peers: '', ratio: '', target: 't', met: true },
    ];
    const lines = markdownTable(rows).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\| # +\| measure +\| Solon +\| peers \(same run\) +\|/);
    expect(lines[1]).toMatch(/^\| -{3} \| -+ \|/);
    expect(lines[2]).toContain('a \\| b');
    expect(lines[3]).toContain('**no**');
    expect(lines[4]).toMatch(/\| yes +\|$/);
    // Every line is as long as the header: the columns line up in plain text.
    const width = [...lines[0]!].length;
    for (const l of lines) expect([...l].length).toBe(width);
  });
});

describe('formatting', () => {
  it('formats times, rates and ratios', () => {
    expect(fmtMs(3.14159)).toBe('3.1 ms');
    expect(fmtMs(512.4)).toBe('512 ms');
    expect(fmtMs(41_234)).toBe('41.2 s');
    expect(fmtMs(Number.NaN)).toBe('n/a');
    expect(fmtRate(4321.4)).toBe('4,321/s');
    expect(fmtRatio(0.256)).toBe('0.26×');
    expect(fmtRatio(12.3)).toBe('12×');
    expect(fmtRatio(null)).toBe('n/a');
  });
});

const backlog: BacklogResult = {
  messages: 1000,
  rounds: 3,
  rawHeaders: ['list-id'],
  mismatches: [],
  runs: {
    Solon: [
      { round: 0, fullMs: 2000, emptyMs: 500, counts: {} },
      { round: 1, fullMs: 1000, emptyMs: 500, counts: {} },
      { round: 2, fullMs: 4000, emptyMs: 500, counts: {} },
    ],
    imapfilter: [
      { round: 0, fullMs: 500, emptyMs: 100, counts: {} },
      { round: 1, fullMs: 500, emptyMs: 100, counts: {} },
      { round: 2, fullMs: 600, emptyMs: 100, counts: {} },
    ],
    'raw imapflow': [{ round: 0, fullMs: 800, emptyMs: 300, counts: { read: 1000 } }],
  },
};

describe('backlogRates', () => {
  it('takes the median of per-round rates, gross and net of the empty run', () => {
    const s = backlogRates(backlog, 'Solon');
    expect(s.gross).toBe(500); // rates 500, 1000, 250 → median 500
    expect(s.net).toBeCloseTo(1000 / 1.5); // 1000/1.5, 1000/0.5, 1000/3.5
    expect(s.fullMs).toBe(2000);
    expect(s.emptyMs).toBe(500);
    expect(backlogRates(backlog, 'nobody').gross).toBeNaN();
  });
});

describe('resultRows', () => {
  const results: Results = {
    solons: ['Solon'],
    latency: {
      rounds: 3,
      floorMs: [500, 502, 504],
      toolsMs: { Solon: [505, 507, 509], imapfilter: [510, 512, 514] },
      missed: { Solon: 0, imapfilter: 0 },
      inboxLeft: { Solon: 0, imapfilter: 0 },
    },
    backlog,
    recovery: { halfOpenDetectSeconds: [40.5, 41, 44], resumeToCaughtUpMs: [300, 250, 900] },
    idle: {
      wallSeconds: 600,
      subjects: [
        {
          key: 'solon-node',
          label: 'Solon (bundle, node)',
          cpuSeconds: 0.3,
          cpuPercentOfCore: 0.05,
          rssMB: { min: 60, median: 70, max: 80 },
        },
        {
          key: 'raw-node',
          label: 'raw',
          cpuSeconds: 0.1,
          cpuPercentOfCore: 0.02,
          rssMB: { min: 40, median: 45, max: 50 },
        },
      ],
    },
    memory: {
      messages: [
        { file: 'a', bytes: 1_500_000 },
        { file: 'b', bytes: 60_000 },
      ],
      repeats: 2,
      subjects: {
        Solon: { rssBeforeMB: 70, peakMB: 90, rssAfterMB: 75, missed: 0 },
        imapfilter: { rssBeforeMB: 8, peakMB: 9, rssAfterMB: 8, missed: 0 },
      },
    },
  };

  it('judges each target from the same-run figures', () => {
    const rows = resultRows(results);
    const find = (re: RegExp): Row => rows.find((r) => re.test(r.measure))!;
    // Added over the floor: Solon 5 ms, imapfilter 10 ms → 0.5×, met (≤ 0.5×).
    const p50 = find(/Solon: time added over the floor, p50/);
    expect(p50.solon).toBe('5.0 ms');
    expect(p50.ratio).toBe('0.50× imapfilter');
    expect(p50.met).toBe(true);
    // Backlog: 500/s against imapfilter's 2,000/s is 0.25×: missed.
    const gross = find(/Solon: 1,000 messages × 20 rules/);
    expect(gross.solon).toBe('500/s');
    expect(gross.ratio).toBe('0.25× imapfilter · 0.40× raw');
    expect(gross.met).toBe(false);
    expect(find(/same count in every folder/).met).toBe(true);
    expect(find(/resume\(\)/).met).toBe(true);
    expect(find(/half-open/).solon).toBe('41.0 s (44.0 s)');
    expect(find(/idle CPU/).met).toBe(true);
    expect(find(/idle RSS/).solon).toBe('70 MB / 80 MB');
    expect(find(/peak RSS/).met).toBe(true);
    expect(find(/every delivered message acted on/).met).toBe(true);
  });

  it('a missed message or a folder mismatch fails its row', () => {
    const rows = resultRows({
      ...results,
      latency: { ...results.latency!, missed: { Solon: 1, imapfilter: 0 } },
      backlog: { ...backlog, mismatches: ['Solon round 1: INBOX: 3 vs 2'] },
    });
    expect(rows.find((r) => /acted on/.test(r.measure))!.met).toBe(false);
    expect(rows.find((r) => /same count/.test(r.measure))!.met).toBe(false);
  });
});
