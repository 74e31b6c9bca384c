import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine } from '../../src/main/core/engine.js';
import type { Logger } from '../../src/main/core/ports.js';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import { spamAssassinMessages, toCrlf } from './corpus.js';
import { distinctById, idOf, normId } from './corpus-expect.js';
import type { Dovecot } from './dovecot.js';
import { startFaultProxy } from './fault-proxy.js';
import { configFor, sortEverything } from './solon-config.js';
import { mulberry32 } from './random.js';

export interface ChaosReport {
  seconds: number;
  delivered: number;
  handled: number;
  /** Messages with more than one `done` decision, or in Sorted more than once. */
  duplicates: number;
  /** Delivered but not in Sorted at the end. */
  lost: number;
  faults: Record<string, number>;
  reconnects: number;
  unhandledRejections: number;
  /** Heap used (MB): median of the first and of the last quarter of the run. */
  heapFirstMb: number;
  heapLastMb: number;
  rssMaxMb: number;
}

const FAULTS = [
  'reset',
  'sleep-wake',
  'half-open',
  'tls-cut',
  'kick',
  'refuse',
  'latency',
  'mute',
  'restart',
] as const;
type Fault = (typeof FAULTS)[number];

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Chaos soak: mail is delivered continuously while random faults from the matrix fire every
 * few seconds; at the end every delivered message must have been moved to Sorted exactly once.
 * The engine runs on the real clock with short timings (probe every 2 s) so that a minute holds
 * many faults; the default timings are measured separately (bench/recovery.ts).
 */
export async function runChaos(opts: {
  dovecot: Dovecot;
  user: string;
  password: string;
  durationMs: number;
  seed?: number;
  log?: Logger;
  onProgress?: (line: string) => void;
}): Promise<ChaosReport> {
  const { dovecot: d, user } = opts;
  const seed = opts.seed ?? Date.now() % 100000;
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const between = (a: number, b: number): number => a + Math.floor(rand() * (b - a));
  const say = opts.onProgress ?? (() => undefined);
  say(`chaos: seed ${seed}, ${opts.durationMs / 1000} s`);

  let rejections = 0;
  const onRejection = (): void => {
    rejections++;
  };
  process.on('unhandledRejection', onRejection);

  await d.createMailbox(user, 'Sorted').catch(() => undefined);
  const proxy = await startFaultProxy({ host: d.host, port: d.tlsPort });
  const dataDir = await mkdtemp(join(tmpdir(), 'solon-chaos-'));
  const base = configFor(d, {
    user,
    passwordEnv: 'CHAOS_PW',
    dataDir,
    rules: sortEverything,
    engine: {
      probeIntervalMs: 2_000,
      probeTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      backoffBaseMs: 200,
      backoffCapMs: 3_000,
      throttleMinMs: 1_000,
      stableMs: 2_000,
      clockTickMs: 1_000,
      clockJumpMs: 5_000,
      safetySyncMs: 10_000,
    },
  }) as { accounts: Record<string, unknown>[] };
  base.accounts[0]!.port = proxy.port;
  const engine = createEngine({
    config: parseConfig(base),
    dataDir,
    env: { CHAOS_PW: opts.password },
    log: opts.log,
  });
  const activity: ActivityEntry[] = [];
  let reconnects = 0;
  let lastState = '';
  engine.onActivity((e) => activity.push(e));
  engine.onStatus((all) => {
    const s = all[0]!.state;
    if (s === 'connecting' && lastState !== 'connecting') reconnects++;
    lastState = s;
  });
  await engine.start();
  // The first connect sets the checkpoint at UIDNEXT (first run = new mail only): deliver after it.
  while (engine.status()[0]?.state !== 'watching') await pause(20);

  const corpus = distinctById(spamAssassinMessages());
  const delivered: string[] = [];
  const faults: Record<string, number> = {};
  const heap: number[] = [];
  let rssMax = 0;
  const t0 = Date.now();
  const end = t0 + opts.durationMs;
  let running = true;

  // Delivery: its own connection straight to Dovecot (not through the proxy), retried when the
  // server is restarting.
  const deliverer = (async () => {
    let client: ImapFlow | undefined;
    let next = 0;
    // After a failed APPEND we cannot know whether the server stored the message (a kick or a
    // restart can eat the answer): look for it before sending it again, or the test itself
    // would deliver a duplicate and blame Solon.
    let uncertain = false;
    while (running && next < corpus.length) {
      const m = corpus[next]!;
      try {
        if (!client?.usable) {
          client = new ImapFlow({
            host: d.host,
            port: d.tlsPort,
            secure: true,
            auth: { user, pass: opts.password },
            tls: { ca: [d.caPem] },
            logger: false,
          });
          client.on('error', () => undefined);
          await client.connect();
        }
        if (uncertain && (await storedAlready(client, idOf(m)))) {
          uncertain = false;
          delivered.push(idOf(m));
          next++;
          continue;
        }
        uncertain = true;
        await client.append('INBOX', toCrlf(m.raw));
        uncertain = false;
        delivered.push(idOf(m));
        next++;
      } catch {
        client?.close();
        client = undefined;
        await pause(200);
        continue;
      }
      await pause(between(50, 400));
    }
    await client?.logout().catch(() => undefined);
  })();

  // With --expose-gc (npm run soak) the heap is sampled after a full GC, so growth is real.
  const gc = (globalThis as { gc?: () => void }).gc;
  const sampler = setInterval(() => {
    gc?.();
    const m = process.memoryUsage();
    heap.push(m.heapUsed / 1048576);
    rssMax = Math.max(rssMax, m.rss / 1048576);
  }, 1_000);

  const inject = async (f: Fault): Promise<void> => {
    faults[f] = (faults[f] ?? 0) + 1;
    switch (f) {
      case 'reset':
        proxy.resetAll();
        break;
      case 'sleep-wake':
        engine.suspend('sleep');
        proxy.newPath();
        await pause(between(300, 3_000));
        engine.resume('wake');
        break;
      case 'half-open':
        proxy.newPath();
        break;
      case 'tls-cut':
        void proxy.cutTlsMidRecord();
        break;
      case 'kick':
        await d.kick(user).catch(() => undefined);
        break;
      case 'refuse':
        await proxy.refuse(true, 'reset');
        proxy.resetAll();
        await pause(between(500, 4_000));
        await proxy.refuse(false);
        break;
      case 'latency':
        proxy.latency(between(20, 250));
        await pause(between(1_000, 3_000));
        proxy.latency(0);
        break;
      case 'mute':
        proxy.muteServer(true);
        await pause(between(1_000, 4_000));
        proxy.muteServer(false);
        break;
      case 'restart':
        await d.restart();
        break;
      default: {
        const never: never = f;
        throw new Error(String(never));
      }
    }
  };

  while (Date.now() < end) {
    await pause(between(1_500, 5_000));
    if (Date.now() >= end) break;
    // Restarting Dovecot is the heaviest fault: keep it rare.
    const f = rand() < 0.05 ? 'restart' : pick(FAULTS.filter((x) => x !== 'restart'));
    await inject(f);
    say(
      `chaos: +${Math.round((Date.now() - t0) / 1000)} s ${f}; delivered ${delivered.length}, handled ${new Set(activity.filter((e) => e.result === 'done').map((e) => e.messageId)).size}`,
    );
  }

  // Calm: stop faulting, let every delivered message be handled.
  running = false;
  await deliverer;
  proxy.pass();
  proxy.latency(0);
  proxy.muteServer(false);
  engine.resume('chaos over');
  const deadline = Date.now() + 90_000;
  const handledIds = (): Set<string> =>
    new Set(activity.filter((e) => e.result === 'done').map((e) => normId(e.messageId)));
  while (handledIds().size < delivered.length && Date.now() < deadline) {
    engine.checkNow();
    await pause(250);
  }
  clearInterval(sampler);
  await engine.stop();
  await proxy.stop();
  process.off('unhandledRejection', onRejection);

  const sorted = (await d.listMessages(user, 'Sorted')).map((m) => normId(m.messageId));
  const inSorted = new Map<string, number>();
  for (const id of sorted) inSorted.set(id, (inSorted.get(id) ?? 0) + 1);
  const doneCount = new Map<string, number>();
  for (const e of activity)
    if (e.result === 'done')
      doneCount.set(normId(e.messageId), (doneCount.get(normId(e.messageId)) ?? 0) + 1);
  let duplicates = 0;
  let lost = 0;
  const inbox = await d.listMessages(user, 'INBOX');
  for (const id of delivered) {
    if ((inSorted.get(id) ?? 0) > 1 || (doneCount.get(id) ?? 0) > 1) duplicates++;
    if ((inSorted.get(id) ?? 0) === 0) {
      lost++;
      const there = inbox.find((m) => normId(m.messageId) === id);
      const tried = activity
        .filter((e) => normId(e.messageId) === id)
        .map((e) => `${e.result}:${e.uid}:${e.error ?? ''}`);
      say(
        `chaos: LOST ${id}: ${there ? `still in INBOX as uid ${there.uid}` : 'not in INBOX'}; decisions ${tried.join(', ') || 'none'}; INBOX uids ${inbox.map((m) => m.uid).join(',')}`,
      );
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  const q = Math.max(1, Math.floor(heap.length / 4));
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return {
    seconds: Math.round((Date.now() - t0) / 1000),
    delivered: delivered.length,
    handled: handledIds().size,
    duplicates,
    lost,
    faults,
    reconnects,
    unhandledRejections: rejections,
    heapFirstMb: Math.round(median(heap.slice(0, q)) * 10) / 10,
    heapLastMb: Math.round(median(heap.slice(-q)) * 10) / 10,
    rssMaxMb: Math.round(rssMax),
  };
}

async function storedAlready(client: ImapFlow, messageId: string): Promise<boolean> {
  for (const box of ['INBOX', 'Sorted']) {
    const lock = await client.getMailboxLock(box);
    try {
      const hits = await client.search({ header: { 'message-id': messageId } }, { uid: true });
      if (hits && hits.length > 0) return true;
    } finally {
      lock.release();
    }
  }
  return false;
}
