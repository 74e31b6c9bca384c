import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { distinctById, expectedFolder, idOf, normId } from '../helpers/corpus-expect.js';
import { waitFor } from '../helpers/fake-clock.js';
import { activityLines, exited, spawnSolon } from '../helpers/solon-process.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const dovecot = useDovecot({ users: [{ user: 'dave', password: 'dave-pw' }] });
const env = { DAVE_PW: 'dave-pw' };
const BACKLOG = 2_000;
const KILLS = 3;
let dir = '';
afterAll(async () => {
  if (dir && !process.env.KEEP_TEST_DIR) await rm(dir, { recursive: true, force: true });
});

it(`SIGKILL in the middle of a ${BACKLOG}-message backlog, ${KILLS} times: nothing lost, nothing acted on twice`, async () => {
  const d = dovecot();
  dir = await mkdtemp(join(tmpdir(), 'solon-crash-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'solon.json');
  const logFile = join(dir, 'solon.log');
  // Small batches: more batch boundaries, so the kills land in every phase of a batch.
  await writeFile(
    configFile,
    JSON.stringify(
      configFor(d, { user: 'dave', passwordEnv: 'DAVE_PW', dataDir, engine: { batchSize: 50 } }),
    ),
  );
  for (const f of demoFolders()) await d.createMailbox('dave', f);

  // First run on an empty INBOX sets the checkpoint (first run = new mail only).
  expect(
    await exited(spawnSolon(['run', '--config', configFile, '--once'], { env, logFile })),
  ).toBe(0);

  const msgs = distinctById(spamAssassinMessages()).slice(0, BACKLOG);
  expect(msgs.length).toBe(BACKLOG);
  await d.appendMany(
    'dave',
    'INBOX',
    msgs.map((m) => m.raw),
  );

  const killedAt: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const before = (await activityLines(dataDir)).length;
    const child = spawnSolon(['run', '--config', configFile], { env, logFile });
    // Wait for progress, then kill at a random moment within the next batch or two.
    await waitFor('progress', async () => (await activityLines(dataDir)).length > before, {
      timeoutMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
    child.kill('SIGKILL');
    expect(await exited(child)).toBe('SIGKILL');
    killedAt.push((await activityLines(dataDir)).length);
  }
  expect(killedAt[KILLS - 1]).toBeLessThan(BACKLOG); // the kills really landed mid-backlog

  // Restart and let it finish.
  expect(
    await exited(spawnSolon(['run', '--config', configFile, '--once'], { env, logFile })),
  ).toBe(0);

  // Server side: every message exactly once, in the folder the rules say.
  const where = new Map<string, string[]>();
  for (const box of ['INBOX', ...demoFolders()]) {
    for (const m of await d.listMessages('dave', box)) {
      const id = normId(m.messageId);
      where.set(id, [...(where.get(id) ?? []), box]);
    }
  }
  let lost = 0;
  let twice = 0;
  let misplaced = 0;
  for (const m of msgs) {
    const at = where.get(idOf(m)) ?? [];
    if (at.length === 0) {
      lost++;
      console.log(`lost: ${m.id} ${idOf(m)}`);
    } else if (at.length > 1) twice++;
    else if (at[0] !== expectedFolder(m)) misplaced++;
  }
  // Activity side: one final decision per message (done or no-match), none twice.
  const lines = await activityLines(dataDir);
  const finals = lines.filter((l) => l.result === 'done' || l.result === 'no-match');
  const keys = finals.map((l) => l.key as string);
  const dupKeys = keys.length - new Set(keys).size;
  console.log(
    `crash test: kills after ${killedAt.join(', ')} decisions; lost ${lost}, twice ${twice}, misplaced ${misplaced}, decisions ${finals.length}, duplicate decisions ${dupKeys}, recovered ${lines.filter((l) => l.recovered).length}`,
  );
  expect({ lost, twice, misplaced, dupKeys }).toEqual({
    lost: 0,
    twice: 0,
    misplaced: 0,
    dupKeys: 0,
  });
  expect(finals.length).toBe(BACKLOG);
}, 240_000);
