/**
 * `npx tsx bench/ledger-write.ts`: what the ledger's writes cost per one-message batch, with an
 * empty checkpoint and with a full one (HANDLED_IDS_CAP Message-IDs). begin() is on the path
 * from arrival to action (it must be on disk before anything is done); commit() comes after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HANDLED_IDS_CAP, MailboxLedger } from '../src/main/core/ledger/mailbox-ledger.js';

const ROUNDS = 50;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const dir = await mkdtemp(path.join(os.tmpdir(), 'solon-ledger-'));
try {
  for (const ids of [0, HANDLED_IDS_CAP]) {
    const l = await MailboxLedger.open(path.join(dir, `ledger-${ids}.json`), 'INBOX');
    l.reset('1', 1);
    for (let i = 0; i < ids; i++) l.state.handledIds.push(`<${i}.a1b2c3d4e5f6@mail.example.com>`);
    await l.save();
    const begin: number[] = [];
    const commit: number[] = [];
    for (let k = 1; k <= ROUNDS; k++) {
      const uid = k + 1;
      const t0 = performance.now();
      await l.begin(
        [
          {
            uid,
            messageId: `<${k}@bench>`,
            from: 'someone@example.com',
            subject: 'a message',
            rules: [{ id: 'r', name: 'r' }],
            plan: {
              addFlags: [],
              removeFlags: [],
              gmailLabels: [],
              copyTo: [],
              moveTo: 'Lists',
              notify: false,
            },
            startedAt: 0,
          },
        ],
        uid,
      );
      const t1 = performance.now();
      await l.commit({
        throughUid: uid,
        done: [{ uid, messageId: `<${k}@bench>` }],
        failed: [],
        maxAttempts: 3,
        now: 0,
      });
      begin.push(t1 - t0);
      commit.push(performance.now() - t1);
    }
    process.stdout.write(
      `checkpoint with ${String(ids).padStart(4)} Message-IDs: begin ${median(begin).toFixed(2)} ms, commit ${median(commit).toFixed(2)} ms (medians of ${ROUNDS})\n`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
