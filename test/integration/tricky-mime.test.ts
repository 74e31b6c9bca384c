/**
 * Every message of ../shared/corpora/tricky-mime (201 real malformed/exotic messages) through
 * parseRaw (whole message) and buildMessageView (the watcher's path: a FETCH_PREFIX_BYTES
 * prefix, RFC822.SIZE of the whole): no throw, no hang, each back within the parse time limit
 * (a timeout is acceptable only as parseError). Prints timing figures at the end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/main/core/mail/message-view.js';
import {
  DEFAULT_PARSE_TIMEOUT_MS,
  FETCH_PREFIX_BYTES,
  buildMessageView,
  parseRaw,
} from '../../src/main/core/mail/parse.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpora/tricky-mime', import.meta.url));
const MANIFEST = join(CORPUS, 'manifest.tsv');
const present = existsSync(MANIFEST);

interface Row {
  file: string;
  bytes: number;
  features: string;
}

function readManifest(): Row[] {
  const [header, ...lines] = readFileSync(MANIFEST, 'utf8').split(/\r?\n/).filter(Boolean);
  const cols = (header ?? '').split('\t');
  const at = (name: string): number => cols.indexOf(name);
  return lines.map((line) => {
    const f = line.split('\t');
    return {
      file: f[at('file')] ?? '',
      bytes: Number(f[at('bytes')]),
      features: f[at('features')] ?? '',
    };
  });
}

const rows = present ? readManifest() : [];
/** Time a call may take beyond the parse limit: header work, scheduling, a busy CI machine. */
const SLACK_MS = 1_500;

interface Timing {
  file: string;
  mode: 'raw' | 'prefix';
  ms: number;
  parseError: string | undefined;
}
const timings: Timing[] = [];

async function timed(
  file: string,
  mode: Timing['mode'],
  run: () => Promise<MessageView>,
): Promise<MessageView> {
  const started = performance.now();
  const view = await run();
  const ms = performance.now() - started;
  timings.push({ file, mode, ms, parseError: view.parseError });
  expect(ms).toBeLessThan(DEFAULT_PARSE_TIMEOUT_MS + SLACK_MS);
  return view;
}

function expectWellFormed(view: MessageView): void {
  expect(typeof view.subject).toBe('string');
  expect(typeof view.text).toBe('string');
  expect(view.text.length).toBeLessThanOrEqual(32 * 1024);
  expect(view.headers).toBeInstanceOf(Map);
  for (const list of [view.from, view.to, view.cc]) {
    for (const a of list) {
      expect(typeof a.name).toBe('string');
      expect(typeof a.address).toBe('string');
    }
  }
  for (const a of view.attachments) {
    expect(a.contentType).toBe(a.contentType.toLowerCase());
    expect(a.size).toBeGreaterThanOrEqual(0);
  }
  expect(view.date === undefined || !Number.isNaN(view.date.getTime())).toBe(true);
  if (view.parseError !== undefined) expect(typeof view.parseError).toBe('string');
}

describe.skipIf(!present)(
  present
    ? `tricky-mime corpus (${rows.length} messages)`
    : `tricky-mime corpus — skipped: ${CORPUS}/manifest.tsv not found (../shared is absent here)`,
  () => {
    it('manifest lists 201 messages, all present with the stated size', () => {
      expect(rows.length).toBe(201);
      for (const row of rows) {
        expect(readFileSync(join(CORPUS, row.file)).length, row.file).toBe(row.bytes);
      }
    });

    it.each(rows.map((r) => [r.file, r] as const))('%s', async (_file, row) => {
      const raw = readFileSync(join(CORPUS, row.file));

      const whole = await timed(row.file, 'raw', () => parseRaw(raw));
      expectWellFormed(whole);
      expect(whole.size).toBe(raw.length);
      expect(whole.truncated).toBe(false);
      if (raw.length === 0) expect(whole.parseError).toBe('empty message source');

      const prefix = raw.subarray(0, FETCH_PREFIX_BYTES);
      const cut = await timed(row.file, 'prefix', () =>
        buildMessageView({ seq: 1, uid: 1, size: raw.length, source: prefix }),
      );
      expectWellFormed(cut);
      expect(cut.size).toBe(raw.length);
      expect(cut.truncated).toBe(raw.length > FETCH_PREFIX_BYTES);
      // The header facts do not depend on the body: a cut prefix that holds the whole header
      // block gives the same subject and sender.
      const headerEnd = /\r?\n\r?\n/.exec(raw.toString('latin1'))?.index ?? Infinity;
      if (headerEnd < FETCH_PREFIX_BYTES) {
        expect(cut.subject).toBe(whole.subject);
        expect(cut.from).toEqual(whole.from);
      }
    });

    afterAll(() => {
      if (!timings.length) return;
      for (const mode of ['raw', 'prefix'] as const) {
        const of = timings.filter((t) => t.mode === mode);
        const total = of.reduce((sum, t) => sum + t.ms, 0);
        const slowest = of.reduce((a, b) => (b.ms > a.ms ? b : a));
        const timeouts = of.filter((t) => t.parseError?.includes('timed out')).length;
        const errors = of.filter((t) => t.parseError !== undefined);
        console.info(
          `tricky-mime ${mode}: ${of.length} messages, total ${total.toFixed(0)} ms, ` +
            `slowest ${slowest.ms.toFixed(1)} ms (${slowest.file}), timeouts ${timeouts}, ` +
            `parse errors ${errors.length}` +
            (errors.length
              ? `: ${errors.map((e) => `${e.file}: ${e.parseError}`).join('; ')}`
              : ''),
        );
      }
    });
  },
);
