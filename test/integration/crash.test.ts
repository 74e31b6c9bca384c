import { expect, it } from 'vitest';
import { runCrashSoak } from '../helpers/crash-soak.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const dovecot = useDovecot({ users: [{ user: 'dave', password: 'dave-pw' }] });
const BACKLOG = 2_000;
const KILLS = Number(process.env.SOLON_CRASH_KILLS ?? 4);

it(`SIGKILL at random moments while a ${BACKLOG}-message backlog is worked, ${KILLS} times: nothing lost, nothing acted on twice`, async () => {
  const r = await runCrashSoak({
    dovecot: dovecot(),
    user: 'dave',
    password: 'dave-pw',
    backlog: BACKLOG,
    kills: KILLS,
  });
  console.log(`crash test: ${JSON.stringify(r)}`);
  expect(r.kills).toBe(KILLS);
  expect(r.killedAt[r.killedAt.length - 1]).toBeLessThan(BACKLOG); // the kills really landed mid-backlog
  expect(r.finalExit).toBe(0);
  expect({
    lost: r.lost,
    twice: r.twice,
    misplaced: r.misplaced,
    duplicateDecisions: r.duplicateDecisions,
  }).toEqual({ lost: 0, twice: 0, misplaced: 0, duplicateDecisions: 0 });
  expect(r.decisions).toBe(BACKLOG);
}, 300_000);
