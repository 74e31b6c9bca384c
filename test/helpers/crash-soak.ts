import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spamAssassinMessages } from './corpus.js';
import { auditSorting, distinctById, serverLocations } from './corpus-expect.js';
import type { Dovecot } from './dovecot.js';
import { activityLines, exited, spawnSolon } from './solon-process.js';
import { configFor, demoFolders } from './solon-config.js';

export interface CrashReport {
  backlog: number;
  kills: number;
  /** Decisions on disk at each kill. */
  killedAt: number[];
  lost: number;
  twice: number;
  misplaced: number;
  decisions: number;
  duplicateDecisions: number;
  /** Decisions finished by a restart (their batch was in flight at a kill). */
  recovered: number;
  finalExit: number | string;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Crash soak: a backlog of real mail, the real `solon run` process SIGKILLed `kills` times at
 * random moments (during start-up and connect, or mid-batch), then a final `run --once`.
 * The server is the judge: every message in exactly one folder, the one the rules say.
 */
export async function runCrashSoak(opts: {
  dovecot: Dovecot;
  user: string;
  password: string;
  backlog: number;
  kills: number;
  onProgress?: (l: string) => void;
}): Promise<CrashReport> {
  const { dovecot: d, user } = opts;
  const say = opts.onProgress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'solon-crash-'));
  try {
    const dataDir = join(dir, 'data');
    const configFile = join(dir, 'solon.json');
    const logFile = join(dir, 'solon.log');
    const env = { CRASH_PW: opts.password };
    // Small batches: more batch boundaries, so the kills land in every phase of a batch.
    await writeFile(
      configFile,
      JSON.stringify(
        configFor(d, {
          user,
          passwordEnv: 'CRASH_PW',
          dataDir,
          engine: { batchSize: 50, headerBatchSize: 50 },
        }),
      ),
    );
    for (const f of demoFolders()) await d.createMailbox(user, f).catch(() => undefined);
    // First run on an empty INBOX sets the checkpoint (first run = new mail only).
    const first = await exited(
      spawnSolon(['run', '--config', configFile, '--once'], { env, logFile }),
    );
    if (first !== 0) throw new Error(`first run exited ${String(first)}; see ${logFile}`);

    const msgs = distinctById(spamAssassinMessages()).slice(0, opts.backlog);
    await d.appendMany(
      user,
      'INBOX',
      msgs.map((m) => m.raw),
    );

    const killedAt: number[] = [];
    for (let k = 0; k < opts.kills; k++) {
      const before = (await activityLines(dataDir)).length;
      if (before >= msgs.length) break;
      const child = spawnSolon(['run', '--config', configFile], { env, logFile });
      if (Math.random() < 0.25) {
        await pause(Math.floor(Math.random() * 1_500)); // anywhere in start-up, login, sync
      } else {
        const deadline = Date.now() + 60_000;
        while ((await activityLines(dataDir)).length <= before) {
          if (Date.now() > deadline) throw new Error(`no progress after kill ${k}; see ${logFile}`);
          await pause(20);
        }
        await pause(Math.floor(Math.random() * 400)); // somewhere in the next batch or two
      }
      child.kill('SIGKILL');
      await exited(child);
      killedAt.push((await activityLines(dataDir)).length);
      say(
        `crash soak: kill ${k + 1}/${opts.kills} after ${killedAt[killedAt.length - 1]} decisions`,
      );
    }
    const finalExit = await exited(
      spawnSolon(['run', '--config', configFile, '--once'], { env, logFile }),
    );

    const where = await serverLocations(d, user, ['INBOX', ...demoFolders()]);
    const { lost, twice, misplaced } = auditSorting(msgs, where);
    const lines = await activityLines(dataDir);
    const finals = lines.filter((l) => l.result === 'done' || l.result === 'no-match');
    const keys = finals.map((l) => l.key as string);
    return {
      backlog: msgs.length,
      kills: killedAt.length,
      killedAt,
      lost,
      twice,
      misplaced,
      decisions: finals.length,
      duplicateDecisions: keys.length - new Set(keys).size,
      recovered: lines.filter((l) => l.recovered).length,
      finalExit,
    };
  } finally {
    if (!process.env.KEEP_TEST_DIR) await rm(dir, { recursive: true, force: true });
  }
}
