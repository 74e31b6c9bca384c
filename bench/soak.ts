/**
 * `npm run soak -- --minutes N [--kills 20] [--seed S]`: the long chaos soak (random faults from
 * the matrix while mail flows) and the crash soak (SIGKILL the headless process at random
 * moments while a backlog is worked), each against its own private Dovecot. Prints the figures.
 */
import { parseArgs } from 'node:util';
import { runChaos } from '../test/helpers/chaos.js';
import { runCrashSoak } from '../test/helpers/crash-soak.js';
import { startDovecot } from '../test/helpers/dovecot.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    kills: { type: 'string', default: '20' },
    backlog: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const say = (l: string): void => {
  if (!values.quiet) process.stderr.write(`${l}\n`);
};

async function main(): Promise<number> {
  let failed = false;
  const chaosD = await startDovecot({ users: [{ user: 'chaos', password: 'chaos-pw' }] });
  try {
    const r = await runChaos({
      dovecot: chaosD,
      user: 'chaos',
      password: 'chaos-pw',
      durationMs: Number(values.minutes) * 60_000,
      seed: values.seed ? Number(values.seed) : undefined,
      onProgress: say,
    });
    const faults = Object.entries(r.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(
      `\nChaos soak (${r.seconds} s)\n  delivered ${r.delivered}, handled ${r.handled}, lost ${r.lost}, duplicates ${r.duplicates}\n  faults: ${faults}\n  reconnects ${r.reconnects}, unhandled rejections ${r.unhandledRejections}\n  heap ${r.heapFirstMb} MB (first quarter) → ${r.heapLastMb} MB (last quarter), RSS max ${r.rssMaxMb} MB (whole test process)\n`,
    );
    failed ||=
      r.lost > 0 || r.duplicates > 0 || r.handled !== r.delivered || r.unhandledRejections > 0;
  } finally {
    await chaosD.stop();
  }
  const crashD = await startDovecot({ users: [{ user: 'crash', password: 'crash-pw' }] });
  try {
    const r = await runCrashSoak({
      dovecot: crashD,
      user: 'crash',
      password: 'crash-pw',
      backlog: Number(values.backlog),
      kills: Number(values.kills),
      onProgress: say,
    });
    process.stdout.write(
      `\nCrash soak (${r.kills} SIGKILLs, ${r.backlog}-message backlog)\n  killed after ${r.killedAt.join(', ')} decisions\n  lost ${r.lost}, acted on twice ${r.twice}, misplaced ${r.misplaced}, decisions ${r.decisions}, duplicate decisions ${r.duplicateDecisions}, finished by a restart ${r.recovered}\n`,
    );
    failed ||=
      r.lost > 0 ||
      r.twice > 0 ||
      r.misplaced > 0 ||
      r.duplicateDecisions > 0 ||
      r.decisions !== r.backlog;
  } finally {
    await crashD.stop();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
