// The side-by-side result table (pure; unit-tested in test/unit/bench/report.test.ts).

export interface Row {
  scenario: string;
  measure: string;
  /** Solon's figure (the table's main build). */
  solon: string;
  /** The peers' figures, e.g. "imapfilter 11.8 ms · floor 501 ms". */
  peers: string;
  /** Solon against the peer the target names, e.g. "0.26× imapfilter". */
  ratio: string;
  target: string;
  /** Whether the target is met; null where there is no target. */
  met: boolean | null;
}

const HEAD = ['#', 'measure', 'Solon', 'peers (same run)', 'Solon vs peer', 'target', 'met'];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table (GitHub style), columns padded so it also reads as plain text. */
export function markdownTable(rows: readonly Row[]): string {
  const body = rows.map((r) => [
    r.scenario,
    r.measure,
    r.solon,
    r.peers,
    r.ratio,
    r.target,
    r.met === null ? '' : r.met ? 'yes' : '**no**',
  ]);
  const all = [HEAD, ...body].map((cols) => cols.map(cell));
  const widths = HEAD.map((_, c) => Math.max(3, ...all.map((cols) => [...cols[c]!].length)));
  const line = (cols: string[]): string =>
    `| ${cols.map((s, c) => s + ' '.repeat(widths[c]! - [...s].length)).join(' | ')} |`;
  return [line(all[0]!), line(widths.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join(
    '\n',
  );
}

/** 12.3 ms, 1.2 s above 10 s. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** 4,321/s */
export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

/** 0.26×; n/a for a ratio that means nothing. */
export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'n/a';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

export function fmtMB(mb: number): string {
  return Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'n/a';
}
