// The 20 rules of the side-by-side benchmarks (pure data). Every rule moves and stops, and every
// condition is a case-insensitive `contains` on a header, so imapfilter can run the very same
// rules server-side (SEARCH HEADER is a case-insensitive substring test too) and first-match
// order means the same for both: a message imapfilter's rule k moves away is no longer in INBOX
// when rule k+1 searches, just as Solon stops at the first rule that matches. The bench checks
// it: both must leave the server with the same count in every folder.
import type { RuleInput } from '../../src/shared/domain/rule.js';

type Cond = RuleInput['conditions'][number];

const header = (name: string, value: string): Cond =>
  name.toLowerCase() === 'list-id'
    ? { field: 'list-id', op: 'contains', value }
    : { field: 'header', header: name, op: 'contains', value };

function rule(id: string, folder: string, conditions: Cond[], match?: 'all' | 'any'): RuleInput {
  return {
    id,
    name: id,
    ...(match ? { match } : {}),
    conditions,
    actions: [{ type: 'move', folder }, { type: 'stop' }],
  };
}

/** Twenty rules over the SpamAssassin corpus: 16 mailing lists, 4 on From, Subject, X-Mailer. */
export function benchRules(): RuleInput[] {
  return [
    rule('fork', 'Lists/fork', [header('List-Id', 'fork.xent.com')]),
    rule('ilug', 'Lists/ilug', [header('List-Id', 'ilug.linux.ie')]),
    rule('rpm', 'Lists/rpm', [header('List-Id', 'freshrpms.net')]),
    rule('razor', 'Lists/razor', [header('List-Id', 'razor-users')]),
    rule('sa-talk', 'Lists/sa-talk', [header('List-Id', 'spamassassin-talk')]),
    rule('exmh-workers', 'Lists/exmh-workers', [header('List-Id', 'exmh-workers')]),
    rule('exmh-users', 'Lists/exmh-users', [header('List-Id', 'exmh-users')]),
    rule('linux-ie', 'Lists/linux-ie', [header('List-Id', 'linux.ie')]),
    rule(
      'sa-devel',
      'Lists/sa-devel',
      [header('List-Id', 'spamassassin-devel'), header('List-Id', 'spamassassin-commits')],
      'any',
    ),
    rule('iiu', 'Lists/iiu', [header('List-Id', 'iiu.taint.org')]),
    rule('securityfocus', 'Lists/securityfocus', [header('List-Id', 'securityfocus.com')]),
    rule('crackmice', 'Lists/crackmice', [header('List-Id', 'crackmice')]),
    rule('sourceforge', 'Lists/sourceforge', [header('List-Id', 'sourceforge.net')]),
    rule('python', 'Lists/python', [header('List-Id', 'python.org')]),
    rule('freebsd', 'Lists/freebsd', [header('List-Id', 'freebsd.org')]),
    rule('other-lists', 'Lists/other', [header('List-Id', '.')]),
    rule(
      'newsletters',
      'Newsletters',
      [
        header('From', 'newsletter'),
        header('X-Mailer', 'Accucast'),
        header('From', 'lockergnome.com'),
      ],
      'any',
    ),
    rule(
      'money',
      'Spam/money',
      [header('Subject', 'mortgage'), header('Subject', 'viagra'), header('Subject', 'cash')],
      'any',
    ),
    rule('adv', 'Spam/adv', [header('Subject', 'adv'), header('To', 'zzzz')], 'all'),
    rule(
      'webmail',
      'Webmail',
      [
        header('From', 'hotmail.com'),
        header('From', 'yahoo.com'),
        header('From', 'aol.com'),
        header('From', 'msn.com'),
      ],
      'any',
    ),
  ];
}

/** Every folder the rules move to, in rule order. */
export function benchFolders(rules: readonly RuleInput[] = benchRules()): string[] {
  const out = new Set<string>();
  for (const r of rules)
    for (const a of r.actions ?? []) if (a.type === 'move' || a.type === 'copy') out.add(a.folder);
  return [...out];
}
