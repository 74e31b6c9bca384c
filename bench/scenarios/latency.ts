/**
 * Scenario 1: arrival → action latency for single messages delivered while watching.
 *
 * Each subject watches its own user's INBOX on the same Dovecot: the floor (a bare imapflow
 * IDLE listener in this process: delivery → EXISTS, the 500 ms Dovecot waits before it tells an
 * IDLE client), each Solon build (headless, the bench rules), and imapfilter (enter_idle loop,
 * the same rules). A message is delivered the way an MTA does it (Maildir rename); for the
 * tools, "acted on" is the moment it left INBOX, seen by inotify on the Maildir. Rounds
 * alternate the subjects (rotated each round); the first round is a warm-up and not counted.
 */
import { ImapFlow } from 'imapflow';
import { performance } from 'node:perf_hooks';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import type { CorpusMessage } from '../../test/helpers/corpus.js';
import type { Child } from '../lib/child.js';
import {
  imapfilterLua,
  PASSWORD,
  solonConfig,
  startImapfilter,
  startSolon,
  type BenchContext,
} from '../lib/context.js';
import { deliver, InboxWatch } from '../lib/maildir.js';
import { rotation } from '../lib/stats.js';

const DEADLINE_MS = 15_000;

export interface LatencyResult {
  rounds: number;
  /** delivery → EXISTS at a bare IDLE listener (ms), per round. */
  floorMs: number[];
  /** delivery → gone from INBOX (ms), per subject label, per round. */
  toolsMs: Record<string, number[]>;
  /** Messages a subject had not acted on by the deadline (each is a failed sample). */
  missed: Record<string, number>;
  /** Mailbox counts on the server afterwards, per subject user (INBOX must be empty). */
  inboxLeft: Record<string, number>;
}

export function latencyUsers(ctx: Pick<BenchContext, 'solons'>): string[] {
  return ['lat-floor', 'lat-imapfilter', ...ctx.solons.map((s) => `lat-${s.key}`)];
}

/** A bare IDLE listener: resolves each wait with the moment EXISTS arrived. */
async function floorListener(
  ctx: BenchContext,
  user: string,
): Promise<{ next(): Promise<number>; close(): Promise<void> }> {
  const client = new ImapFlow({
    host: ctx.d.host,
    port: ctx.d.tlsPort,
    secure: true,
    auth: { user, pass: PASSWORD },
    tls: { ca: [ctx.d.caPem], minVersion: 'TLSv1.2' },
    logger: false,
    disableAutoIdle: true,
    disableCompression: true,
    clientInfo: { name: 'bench-floor' },
  });
  client.on('error', () => undefined);
  let waiter: ((at: number) => void) | undefined;
  client.on('exists', () => {
    const at = performance.now();
    waiter?.(at);
    waiter = undefined;
  });
  await client.connect();
  await client.mailboxOpen('INBOX');
  let closing = false;
  const loop = (async () => {
    while (!closing && client.usable) await client.idle().catch(() => undefined);
  })();
  return {
    next: () => new Promise<number>((resolve) => (waiter = resolve)),
    async close() {
      closing = true;
      await client.logout().catch(() => client.close());
      await loop;
    },
  };
}

export async function runLatency(
  ctx: BenchContext,
  opts: { rounds: number; rules: RuleInput[]; messages: CorpusMessage[] },
): Promise<LatencyResult> {
  const children: Child[] = [];
  const watches: InboxWatch[] = [];
  const floor = await floorListener(ctx, 'lat-floor');
  try {
    type Subject = { label: string; user: string; watch?: InboxWatch };
    const subjects: Subject[] = [{ label: 'floor', user: 'lat-floor' }];
    for (const s of ctx.solons) {
      const user = `lat-${s.key}`;
      const cfg = await solonConfig(ctx, user, opts.rules, `lat-${s.key}`);
      children.push(await startSolon(ctx, s, cfg.file, `lat-${s.key}`));
      subjects.push({ label: s.label, user });
    }
    const lua = await imapfilterLua(ctx, 'lat-imapfilter', opts.rules, 'watch', 'lat-imapfilter');
    children.push(await startImapfilter(ctx, lua, 'lat-imapfilter'));
    subjects.push({ label: 'imapfilter', user: 'lat-imapfilter' });
    for (const s of subjects.slice(1)) {
      s.watch = new InboxWatch(ctx.d, s.user);
      await s.watch.start();
      watches.push(s.watch);
    }
    ctx.say(
      `latency: ${opts.rounds} rounds (+1 warm-up) over ${subjects.map((s) => s.label).join(', ')}`,
    );

    const result: LatencyResult = {
      rounds: opts.rounds,
      floorMs: [],
      toolsMs: Object.fromEntries(subjects.slice(1).map((s) => [s.label, []])),
      missed: Object.fromEntries(subjects.slice(1).map((s) => [s.label, 0])),
      inboxLeft: {},
    };
    let m = 0;
    for (let round = 0; round <= opts.rounds; round++) {
      for (const s of rotation(subjects, round)) {
        const raw = opts.messages[m++ % opts.messages.length]!.raw;
        if (!s.watch) {
          const exists = floor.next();
          const { at } = await deliver(ctx.d, s.user, raw);
          let timer: NodeJS.Timeout | undefined;
          const seen = await Promise.race([
            exists,
            new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), DEADLINE_MS))),
          ]);
          clearTimeout(timer);
          if (seen === undefined) throw new Error('the floor listener saw no EXISTS');
          if (round > 0) result.floorMs.push(seen - at);
          continue;
        }
        const { name, at } = await deliver(ctx.d, s.user, raw);
        try {
          const gone = await s.watch.gone(name, DEADLINE_MS);
          if (round > 0) result.toolsMs[s.label]!.push(gone - at);
        } catch {
          if (round > 0) result.missed[s.label]!++;
        }
      }
      if (round > 0 && round % 10 === 0) ctx.say(`latency: round ${round}/${opts.rounds}`);
    }
    for (const s of subjects.slice(1))
      result.inboxLeft[s.label] = (await ctx.d.mailboxCounts(s.user)).INBOX ?? 0;
    return result;
  } finally {
    for (const w of watches) w.close();
    await floor.close();
    await Promise.all(children.map((c) => c.stop()));
  }
}
