import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityLog } from '../../../src/main/core/activity/activity-log.js';
import { messageKey, type ActivityEntry } from '../../../src/shared/domain/activity.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'solon-activity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(uid: number, over: Partial<ActivityEntry> = {}): ActivityEntry {
  return {
    key: messageKey('work', 'INBOX', '7', uid),
    id: `e${uid}`,
    at: 1_700_000_000_000 + uid,
    accountId: 'work',
    mailbox: 'INBOX',
    uidValidity: '7',
    uid,
    from: 'a@example.org',
    subject: `subject ${uid}`,
    rules: [],
    actions: 'move → Lists',
    result: 'done',
    undo: [],
    ...over,
  };
}

const uids = (es: ActivityEntry[]): number[] => es.map((e) => e.uid);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Bytes one entry takes on disk (all test entries of a given uid width are the same size). */
const lineBytes = (e: ActivityEntry): number => Buffer.byteLength(JSON.stringify(e) + '\n');

describe('ActivityLog', () => {
  it('reads nothing from an empty folder (or one that does not exist yet)', async () => {
    const log = new ActivityLog({ dir: join(dir, 'not-yet') });
    await expect(log.readAll()).resolves.toEqual([]);
    await expect(log.recent(10)).resolves.toEqual([]);
  });

  it('reads back what it appended, oldest first, across appends and instances', async () => {
    const log = new ActivityLog({ dir });
    await log.append([entry(1), entry(2)]);
    await log.append([]);
    await log.append([entry(3)]);
    expect(await log.readAll()).toEqual([entry(1), entry(2), entry(3)]);

    const again = new ActivityLog({ dir });
    await again.append([entry(4)]);
    expect(uids(await again.readAll())).toEqual([1, 2, 3, 4]);
  });

  it('keeps call order when appends are not awaited one by one', async () => {
    const log = new ActivityLog({ dir });
    await Promise.all(range(1, 20).map((u) => log.append([entry(u)])));
    expect(uids(await log.readAll())).toEqual(range(1, 20));
  });

  it('fills defaults when reading (undo defaults to [])', async () => {
    const raw = { ...entry(1) } as Partial<ActivityEntry>;
    delete raw.undo;
    await writeFile(join(dir, 'activity.jsonl'), JSON.stringify(raw) + '\n');
    const [got] = await new ActivityLog({ dir }).readAll();
    expect(got?.undo).toEqual([]);
  });

  // Two-digit uids, so every entry is the same number of bytes.
  it.each([
    // keep, entries appended, how many newest entries survive
    { keep: 1, n: 10, survive: 4 },
    { keep: 2, n: 10, survive: 6 },
    { keep: 3, n: 10, survive: 8 },
    { keep: 3, n: 6, survive: 6 },
  ])(
    'rotation with keep=$keep keeps $keep old files and drops older entries',
    async ({ keep, n, survive }) => {
      // Room for exactly two entries per file.
      const maxBytes = 2 * lineBytes(entry(11));
      const log = new ActivityLog({ dir, maxBytes, keep });
      const all = range(11, 10 + n);
      for (const u of all) await log.append([entry(u)]);

      const files = (await readdir(dir)).sort();
      const rotated = files.filter((f) => /^activity\.\d+\.jsonl$/.test(f));
      expect(files).toContain('activity.jsonl');
      expect(rotated).toEqual(
        range(1, Math.min(keep, n / 2 - 1)).map((i) => `activity.${i}.jsonl`),
      );
      for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(maxBytes);
      expect(uids(await log.readAll())).toEqual(all.slice(-survive));
      // activity.1 is the newest rotated file: the two entries before the current file's.
      const one = await readFile(join(dir, 'activity.1.jsonl'), 'utf8');
      expect(
        one
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as ActivityEntry).uid),
      ).toEqual(all.slice(-4, -2));
    },
  );

  it('does not rotate a file still under maxBytes', async () => {
    const log = new ActivityLog({ dir, maxBytes: 10 * lineBytes(entry(11)), keep: 3 });
    for (const u of range(11, 20)) await log.append([entry(u)]);
    expect(await readdir(dir)).toEqual(['activity.jsonl']);
  });

  // BUG (src/main/core/activity/activity-log.ts, append: `this.size + text.length > maxBytes`):
  // the rotation check adds UTF-16 code units to a size kept in bytes, so non-ASCII text (a
  // subject in Chinese, emoji, €) is under-counted and the file grows past maxBytes by up to 3×
  // the batch. Here: 1000-byte limit, a 230-byte line, then a 417-char / 820-byte line is
  // appended without rotating (230 + 417 < 1000) — the file ends at 1050 bytes.
  it('keeps a file that already has entries under maxBytes with non-ASCII text', async () => {
    const maxBytes = 1_000;
    const log = new ActivityLog({ dir, maxBytes });
    await log.append([entry(11)]);
    await log.append([entry(12, { subject: '€'.repeat(200) })]);
    for (const f of await readdir(dir))
      expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(maxBytes);
  });

  it('counts the size of a file left by an earlier run before deciding to rotate', async () => {
    const maxBytes = 2 * lineBytes(entry(1));
    await new ActivityLog({ dir, maxBytes }).append([entry(1), entry(2)]);
    await new ActivityLog({ dir, maxBytes }).append([entry(3)]);
    expect((await readdir(dir)).sort()).toEqual(['activity.1.jsonl', 'activity.jsonl']);
    expect(uids(await new ActivityLog({ dir, maxBytes }).readAll())).toEqual([1, 2, 3]);
  });

  it('skips a torn last line and lines that are not entries', async () => {
    const log = new ActivityLog({ dir });
    await log.append([entry(1), entry(2)]);
    const file = join(dir, 'activity.jsonl');
    const full = JSON.stringify(entry(3));
    await appendFile(file, JSON.stringify({ not: 'an entry' }) + '\n');
    await appendFile(file, full.slice(0, full.length - 9)); // crash mid-write: no newline
    expect(uids(await new ActivityLog({ dir }).readAll())).toEqual([1, 2]);
  });

  // BUG (src/main/core/activity/activity-log.ts, append): after a crash leaves a torn last line
  // (no trailing newline), the next append is written onto the end of that fragment, so the
  // first entry written after the restart is glued to it and lost when read back. Expected: the
  // fragment skipped and entry 4 read back; actual: [1, 2].
  it('an entry appended after a torn line is not lost', async () => {
    const log = new ActivityLog({ dir });
    await log.append([entry(1), entry(2)]);
    const full = JSON.stringify(entry(3));
    await appendFile(join(dir, 'activity.jsonl'), full.slice(0, 20));
    const restarted = new ActivityLog({ dir });
    await restarted.append([entry(4)]);
    expect(uids(await restarted.readAll())).toEqual([1, 2, 4]);
  });

  it.each([
    // limit, expected uids (of 1..5)
    [1, [5]],
    [3, [5, 4, 3]],
    [5, [5, 4, 3, 2, 1]],
    [50, [5, 4, 3, 2, 1]],
  ])('recent(%i) is the newest entries, newest first', async (limit, expected) => {
    const log = new ActivityLog({ dir });
    await log.append(range(1, 5).map((u) => entry(u)));
    expect(uids(await log.recent(limit))).toEqual(expected);
  });

  // BUG (src/main/core/activity/activity-log.ts, recent: `all.slice(-limit)`): slice(-0) is
  // slice(0), so recent(0) returns every entry instead of none.
  it('recent(0) is empty', async () => {
    const log = new ActivityLog({ dir });
    await log.append(range(1, 5).map((u) => entry(u)));
    expect(await log.recent(0)).toEqual([]);
  });

  it('recent() reads across rotated files', async () => {
    const log = new ActivityLog({ dir, maxBytes: 2 * lineBytes(entry(11)), keep: 3 });
    for (const u of range(11, 17)) await log.append([entry(u)]);
    expect(uids(await log.recent(4))).toEqual([17, 16, 15, 14]);
  });

  it('calls onAppend listeners once per entry, in order, after the entries are on disk', async () => {
    const log = new ActivityLog({ dir });
    const seen: { uid: number; onDisk: boolean }[] = [];
    log.onAppend((e) => {
      // Read synchronously: is the line on disk at the moment the listener runs?
      const text = readFileSync(join(dir, 'activity.jsonl'), 'utf8');
      seen.push({ uid: e.uid, onDisk: text.includes(`"id":"${e.id}"`) });
    });
    await log.append([entry(1), entry(2)]);
    expect(seen).toEqual([
      { uid: 1, onDisk: true },
      { uid: 2, onDisk: true },
    ]);
  });

  it('fires listeners only after the write, not when append() is called', async () => {
    const log = new ActivityLog({ dir });
    const calls: number[] = [];
    log.onAppend((e) => calls.push(e.uid));
    const p = log.append([entry(1)]);
    expect(calls).toEqual([]);
    await p;
    expect(calls).toEqual([1]);
  });

  it('stops calling a listener once unsubscribed, and not for an empty append', async () => {
    const log = new ActivityLog({ dir });
    const a: number[] = [];
    const b: number[] = [];
    const offA = log.onAppend((e) => a.push(e.uid));
    log.onAppend((e) => b.push(e.uid));
    await log.append([entry(1)]);
    offA();
    await log.append([]);
    await log.append([entry(2)]);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });

  it('does not call listeners when the write fails, and keeps working afterwards', async () => {
    // A file where the folder should be makes mkdir fail.
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'x');
    const log = new ActivityLog({ dir: blocked });
    const calls: number[] = [];
    log.onAppend((e) => calls.push(e.uid));
    await expect(log.append([entry(1)])).rejects.toThrow();
    expect(calls).toEqual([]);
    await rm(blocked);
    await log.append([entry(2)]);
    expect(calls).toEqual([2]);
    expect(uids(await log.readAll())).toEqual([2]);
  });
});
