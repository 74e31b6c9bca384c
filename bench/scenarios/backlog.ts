/**
 * Scenario 2: a backlog of N messages (default 5,000 real SpamAssassin messages) with the 20
 * bench rules, worked through by one run that exits: `solon run --once`, imapfilter with the
 * same rules (no enter_idle), and the raw imapflow fetch of exactly the header fields Solon's
 * rules need (no classification, no actions) as the physical reference.
 *
 * Each subject has its own user. Per round and subject: empty every mailbox, time an empty run
 * (start-up, TLS login, SELECT, logout), copy the N messages in from a stock user (doveadm copy,
 * server-side, then a status call so the copy is indexed before the clock starts), time the
 * full run from spawn to exit. Subjects alternate, rotated each round. After each run the
 * server is asked where everything went: every sorting subject must leave the same count in
 * every folder (the same rules, run two ways).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import { CLI_NODE_FLAGS } from '../lib/build-cli.js';
import { timedRun } from '../lib/child.js';
import {
  env,
  IMAPFILTER,
  imapfilterArgs,
  imapfilterEnv,
  imapfilterLua,
  PASSWORD_ENV,
  solonConfig,
  type BenchContext,
} from '../lib/context.js';
import { rotation } from '../lib/stats.js';
import type { RawFetchSpec } from '../peers/raw-fetch.js';

const RUN_DEADLINE_MS = 300_000;

export interface BacklogRun {
  round: number;
  /** Spawn → exit with the backlog in INBOX (ms). */
  fullMs: number;
  /** Spawn → exit with an empty INBOX, same round (ms): start-up, login, logout. */
  emptyMs: number;
  /** Mailbox → message count afterwards (sorting subjects) — or messages read (raw). */
  counts: Record<string, number>;
}

export interface BacklogResult {
  messages: number;
  rounds: number;
  /** Per subject label. */
  runs: Record<string, BacklogRun[]>;
  /** Header fields the raw reference fetched (those Solon's rules need). */
  rawHeaders: string[];
  /** Subjects whose folder counts differ from the first sorting subject's, with the diff. */
  mismatches: string[];
}

export const STOCK_USER = 'bl-stock';

export function backlogUsers(ctx: Pick<BenchContext, 'solons'>): string[] {
  return [STOCK_USER, 'bl-imapfilter', 'bl-raw', ...ctx.solons.map((s) => `bl-${s.key}`)];
}

async function emptyAll(ctx: BenchContext, user: string): Promise<void> {
  await ctx.d.doveadm(['expunge', '-u', user, 'mailbox', '*', 'all']);
}

async function fill(ctx: BenchContext, user: string): Promise<number> {
  await ctx.d.doveadm(['copy', '-u', user, 'INBOX', 'user', STOCK_USER, 'mailbox', 'INBOX', 'all']);
  return (await ctx.d.mailboxCounts(user)).INBOX ?? 0;
}

export async function runBacklog(
  ctx: BenchContext,
  opts: { rounds: number; messages: number; rules: RuleInput[]; rawHeaders: string[] },
): Promise<BacklogResult> {
  type Subject = {
    label: string;
    user: string;
    run: () => Promise<{ ms: number; output: string }>;
  };
  const subjects: Subject[] = [];
  for (const s of ctx.solons) {
    const user = `bl-${s.key}`;
    const cfg = await solonConfig(ctx, user, opts.rules, `bl-${s.key}`);
    subjects.push({
      label: s.label,
      user,
      run: () =>
        timedRun(
          s.label,
          process.execPath,
          [...CLI_NODE_FLAGS, s.cli, 'run', '--once', '--config', cfg.file],
          {
            env,
            logFile: path.join(ctx.dir, `bl-${s.key}.log`),
            deadlineMs: RUN_DEADLINE_MS,
          },
        ),
    });
  }
  const lua = await imapfilterLua(ctx, 'bl-imapfilter', opts.rules, 'once', 'bl-imapfilter');
  subjects.push({
    label: 'imapfilter',
    user: 'bl-imapfilter',
    run: () =>
      timedRun('imapfilter', IMAPFILTER, imapfilterArgs(ctx, lua), {
        env: imapfilterEnv(ctx),
        logFile: path.join(ctx.dir, 'bl-imapfilter.log'),
        deadlineMs: RUN_DEADLINE_MS,
      }),
  });
  const rawSpec = path.join(ctx.dir, 'bl-raw.json');
  await writeFile(
    rawSpec,
    JSON.stringify({
      host: ctx.d.host,
      port: ctx.d.tlsPort,
      caFile: ctx.d.caFile,
      user: 'bl-raw',
      passwordEnv: PASSWORD_ENV,
      mailbox: 'INBOX',
      headers: opts.rawHeaders,
    } satisfies RawFetchSpec),
  );
  subjects.push({
    label: 'raw imapflow',
    user: 'bl-raw',
    run: () =>
      timedRun('raw fetch', process.execPath, [ctx.rawFetch, rawSpec], {
        env,
        logFile: path.join(ctx.dir, 'bl-raw.log'),
        deadlineMs: RUN_DEADLINE_MS,
      }),
  });

  // Solon handles new mail only: a first run on the empty INBOX sets its checkpoint.
  for (const s of subjects.filter((x) => ctx.solons.some((b) => b.label === x.label))) {
    await emptyAll(ctx, s.user);
    await s.run();
  }

  const result: BacklogResult = {
    messages: opts.messages,
    rounds: opts.rounds,
    runs: Object.fromEntries(subjects.map((s) => [s.label, []])),
    rawHeaders: opts.rawHeaders,
    mismatches: [],
  };
  ctx.say(`backlog: ${opts.rounds} rounds × ${subjects.map((s) => s.label).join(', ')}`);
  for (let round = 0; round < opts.rounds; round++) {
    for (const s of rotation(subjects, round)) {
      await emptyAll(ctx, s.user);
      const empty = await s.run();
      const inbox = await fill(ctx, s.user);
      if (inbox !== opts.messages)
        throw new Error(`${s.user}: INBOX holds ${inbox} after the copy, not ${opts.messages}`);
      const full = await s.run();
      let counts: Record<string, number>;
      if (s.label === 'raw imapflow') {
        const line = full.output.trim().split('\n').pop() ?? '{}';
        counts = { read: (JSON.parse(line) as { messages: number }).messages };
      } else {
        counts = await ctx.d.mailboxCounts(s.user);
      }
      result.runs[s.label]!.push({ round, fullMs: full.ms, emptyMs: empty.ms, counts });
      ctx.say(
        `backlog round ${round + 1}: ${s.label} ${(full.ms / 1000).toFixed(2)} s (empty run ${(empty.ms / 1000).toFixed(2)} s)`,
      );
    }
  }

  // The same rules, run two ways, must put the same number of messages in every folder.
  const sorting = subjects.filter((s) => s.label !== 'raw imapflow');
  const ref = result.runs[sorting[0]!.label]![0]!.counts;
  for (const s of sorting)
    for (const run of result.runs[s.label]!) {
      const keys = new Set([...Object.keys(ref), ...Object.keys(run.counts)]);
      const diff = [...keys]
        .filter((k) => (ref[k] ?? 0) !== (run.counts[k] ?? 0))
        .map((k) => `${k}: ${run.counts[k] ?? 0} vs ${ref[k] ?? 0}`);
      if (diff.length)
        result.mismatches.push(`${s.label} round ${run.round + 1}: ${diff.join(', ')}`);
    }
  for (const r of result.runs['raw imapflow']!)
    if (r.counts.read !== opts.messages)
      result.mismatches.push(`raw imapflow round ${r.round + 1}: read ${r.counts.read}`);
  return result;
}
