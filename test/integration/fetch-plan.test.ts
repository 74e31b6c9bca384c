// The watcher's header-only path (src/main/core/mail/fetch-plan.ts) against a real Dovecot:
// with a plan that needs no body it fetches only the named header fields, and sorts a real
// backlog exactly as the full fetch does.
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/main/core/classify/pipeline.js';
import { MailboxWatcher } from '../../src/main/core/imap/mailbox-watcher.js';
import { MailboxLedger } from '../../src/main/core/ledger/mailbox-ledger.js';
import { fetchPlanFor, type FetchPlan } from '../../src/main/core/mail/fetch-plan.js';
import { silentLogger, systemClock } from '../../src/main/core/ports.js';
import { Account } from '../../src/shared/domain/account.js';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import { EngineSettings } from '../../src/shared/domain/config.js';
import { Rule } from '../../src/shared/domain/rule.js';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { auditSorting, distinctById, serverLocations } from '../helpers/corpus-expect.js';
import { demoFolders, demoRules } from '../helpers/solon-config.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const USERS = [
  { user: 'full', password: 'full-pw' },
  { user: 'plan', password: 'plan-pw' },
];
const dovecot = useDovecot({ users: USERS });
// The demo rules without their body rule (the "money" rule reads the body and keeps mail in
// INBOX): what is left reads list headers only, so the plan needs no body.
const rules = demoRules()
  .filter((r) => r.id !== 'money')
  .map((r) => Rule.parse(r));
const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'], limit: 400 }));

async function sortOnce(
  user: string,
  password: string,
  fetchPlan: FetchPlan | undefined,
): Promise<ActivityEntry[]> {
  const d = dovecot();
  for (const f of demoFolders()) await d.createMailbox(user, f);
  const account = Account.parse({
    id: user,
    host: d.host,
    port: d.tlsPort,
    caFile: d.caFile,
    user,
    password: { env: 'UNUSED' },
  });
  const settings = EngineSettings.parse({});
  const ledger = await MailboxLedger.open(undefined, 'INBOX');
  const entries: ActivityEntry[] = [];
  const watcher = (once: boolean): MailboxWatcher =>
    new MailboxWatcher({
      account,
      mailbox: 'INBOX',
      settings,
      clock: systemClock,
      log: silentLogger,
      password: () => Promise.resolve(password),
      ledger,
      classify: createClassifier({ rules, categories: [], mailbox: 'INBOX' }),
      record: (e) => {
        entries.push(...e);
        return Promise.resolve();
      },
      recordedKeys: () => Promise.resolve(new Set()),
      onStatus: () => undefined,
      dryRun: false,
      once,
      fetchPlan,
    });
  // The first run starts at UIDNEXT; the backlog arrives after it.
  let w = watcher(true);
  w.start();
  await w.caughtUp;
  await w.stop();
  await d.appendMany(
    user,
    'INBOX',
    corpus.map((m) => m.raw),
  );
  w = watcher(true);
  w.start();
  await w.caughtUp;
  await w.stop();
  return entries;
}

describe('fetch plan', () => {
  it('needs no body for list-header rules', () => {
    expect(fetchPlanFor(rules, [])).toMatchObject({ body: false, attachments: false });
  });

  it('sorts a real backlog exactly like the full fetch, reading only the header fields', async () => {
    const plan = fetchPlanFor(rules, []);
    const [full, headerOnly] = [
      await sortOnce('full', 'full-pw', undefined),
      await sortOnce('plan', 'plan-pw', plan),
    ];
    expect(headerOnly).toHaveLength(corpus.length);
    expect(full).toHaveLength(corpus.length);
    const decisions = (es: ActivityEntry[]): string[] =>
      es.map((e) => `${e.uid} ${e.result} ${e.actions} ${e.messageId} ${e.from} ${e.subject}`);
    expect(decisions(headerOnly)).toEqual(decisions(full));
    for (const user of ['full', 'plan']) {
      const where = await serverLocations(dovecot(), user, ['INBOX', ...demoFolders()]);
      // Mail the money rule would have flagged stays in INBOX either way: only moves are audited.
      const audit = auditSorting(corpus, where);
      expect(audit).toEqual({ lost: 0, twice: 0, misplaced: 0 });
    }
  }, 60_000);
});
