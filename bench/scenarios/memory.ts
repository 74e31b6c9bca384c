/**
 * Scenario 5: memory while handling the largest messages of ../shared/corpora/tricky-mime.
 *
 * Headless Solon and imapfilter watch their own INBOX with the bench rules plus a body rule
 * (so Solon fetches and parses each message's bounded prefix — its heaviest path) and a last
 * rule that files everything else by size (so every message leaves INBOX, which is how
 * "handled" is seen). The largest messages are delivered one at a time, alternating subjects.
 * Peak resident memory is the kernel's VmHWM, reset (/proc/PID/clear_refs 5) just before the
 * first delivery; RSS before and after are VmRSS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import type { Child } from '../lib/child.js';
import {
  imapfilterLua,
  solonConfig,
  startImapfilter,
  startSolon,
  type BenchContext,
} from '../lib/context.js';
import { deliver, InboxWatch } from '../lib/maildir.js';

const DEADLINE_MS = 30_000;

export interface MemorySubject {
  rssBeforeMB: number;
  peakMB: number;
  rssAfterMB: number;
  /** Messages not out of INBOX by the deadline. */
  missed: number;
}

export interface MemoryResult {
  messages: { file: string; bytes: number }[];
  repeats: number;
  subjects: Record<string, MemorySubject>;
}

export const MEMORY_FOLDERS = ['Body', 'Rest'];

/** The bench rules, a body rule, and a catch-all so that every message is moved. */
export function memoryRules(rules: RuleInput[]): RuleInput[] {
  return [
    ...rules,
    {
      id: 'body',
      name: 'body',
      conditions: [{ field: 'body', op: 'contains', value: 'unsubscribe' }],
      actions: [{ type: 'move', folder: 'Body' }, { type: 'stop' }],
    },
    {
      id: 'rest',
      name: 'rest',
      conditions: [{ field: 'size', op: 'greater-than', value: 0 }],
      actions: [{ type: 'move', folder: 'Rest' }, { type: 'stop' }],
    },
  ];
}

export function memoryUsers(): string[] {
  return ['mem-solon', 'mem-imapfilter'];
}

/** The n largest files listed in tricky-mime/manifest.tsv (column bytes). */
export function largestTrickyMime(dir: string, n: number): { file: string; bytes: number }[] {
  const lines = readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split('\t');
  const fileCol = header.indexOf('file');
  const bytesCol = header.indexOf('bytes');
  return lines
    .slice(1)
    .map((l) => l.split('\t'))
    .map((f) => ({ file: f[fileCol]!, bytes: Number(f[bytesCol]) }))
    .filter((m) => Number.isFinite(m.bytes))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n);
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (!m?.[1]) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]);
}

export async function runMemory(
  ctx: BenchContext,
  opts: { trickyDir: string; count: number; repeats: number; rules: RuleInput[] },
): Promise<MemoryResult> {
  const messages = largestTrickyMime(opts.trickyDir, opts.count);
  const raws = messages.map((m) => readFileSync(path.join(opts.trickyDir, m.file)));
  const rules = memoryRules(opts.rules);
  const children: Child[] = [];
  const watches: InboxWatch[] = [];
  try {
    const solonBuild = ctx.solons[0]!;
    const cfg = await solonConfig(ctx, 'mem-solon', rules, 'mem-solon');
    const solon = await startSolon(ctx, solonBuild, cfg.file, 'mem-solon');
    children.push(solon);
    const lua = await imapfilterLua(ctx, 'mem-imapfilter', rules, 'watch', 'mem-imapfilter');
    const imapfilter = await startImapfilter(ctx, lua, 'mem-imapfilter');
    children.push(imapfilter);
    const subjects = [
      { label: solonBuild.label, user: 'mem-solon', child: solon },
      { label: 'imapfilter', user: 'mem-imapfilter', child: imapfilter },
    ].map((s) => ({ ...s, watch: new InboxWatch(ctx.d, s.user), missed: 0, before: 0 }));
    for (const s of subjects) {
      await s.watch.start();
      watches.push(s.watch);
      s.before = statusKb(s.child.pid, 'VmRSS');
      writeFileSync(`/proc/${s.child.pid}/clear_refs`, '5'); // reset VmHWM to the current RSS
    }
    ctx.say(
      `memory: ${messages.length} largest tricky-mime messages (${(messages[0]!.bytes / 1e6).toFixed(1)} MB … ${(messages.at(-1)!.bytes / 1e3).toFixed(0)} kB) × ${opts.repeats}`,
    );
    for (let r = 0; r < opts.repeats; r++)
      for (const raw of raws)
        for (const s of subjects) {
          const { name } = await deliver(ctx.d, s.user, raw);
          await s.watch.gone(name, DEADLINE_MS).catch(() => s.missed++);
        }
    const result: MemoryResult = { messages, repeats: opts.repeats, subjects: {} };
    for (const s of subjects)
      result.subjects[s.label] = {
        rssBeforeMB: s.before / 1024,
        peakMB: statusKb(s.child.pid, 'VmHWM') / 1024,
        rssAfterMB: statusKb(s.child.pid, 'VmRSS') / 1024,
        missed: s.missed,
      };
    return result;
  } finally {
    for (const w of watches) w.close();
    await Promise.all(children.map((c) => c.stop()));
  }
}
