import { describe, expect, it } from 'vitest';
import { evaluateRules, matchCondition } from '../../../src/main/core/rules/evaluate.js';
import type { Condition } from '../../../src/shared/domain/rule.js';
import type { MessageView } from '../../../src/main/core/mail/message-view.js';
import { addr, cond, makeMessage, makeRule } from './fixtures.js';

interface Case {
  name: string;
  c: Condition;
  m?: MessageView;
  want: boolean;
}

const listMail = makeMessage({
  from: [addr('owner@lists.debian.org', 'Debian Owner')],
  to: [addr('debian-devel@lists.debian.org')],
  cc: [addr('carol@example.com', 'Carol'), addr('dave@example.com')],
  subject: '[debian-devel] Bug#123: FTBFS',
  headers: {
    'List-Id': 'Debian Development <debian-devel.lists.debian.org>',
    Received: ['from a.example by b.example', 'from mx.spam.example by a.example'],
    'X-Spam-Flag': '   ',
    'X-Mailer': 'Mutt/2.2',
  },
  text: 'Hello,\nthe build fails.\n-- \nUnsubscribe: mailto:debian-devel-request@lists.debian.org',
  attachments: [
    { filename: 'build.log.gz', contentType: 'application/gzip', size: 20_000 },
    { filename: undefined, contentType: 'text/x-diff', size: 500 },
  ],
  size: 25_600,
});

// One case a line reads as a table; prettier would explode it.
// prettier-ignore
const cases: Case[] = [
  // Address fields: "Name <addr>" and bare addr.
  { name: 'from contains addr', c: cond({ field: 'from', op: 'contains', value: 'alice@' }), want: true },
  { name: 'from contains name', c: cond({ field: 'from', op: 'contains', value: 'liddell' }), want: true },
  { name: 'from equals bare addr', c: cond({ field: 'from', op: 'equals', value: 'alice@example.org' }), want: true },
  { name: 'from equals display form', c: cond({ field: 'from', op: 'equals', value: 'Alice Liddell <alice@example.org>' }), want: true },
  { name: 'from equals partial', c: cond({ field: 'from', op: 'equals', value: 'alice' }), want: false },
  { name: 'from ends-with domain', c: cond({ field: 'from', op: 'ends-with', value: '@EXAMPLE.ORG' }), want: true },
  { name: 'from starts-with name', c: cond({ field: 'from', op: 'starts-with', value: 'alice l' }), want: true },
  { name: 'from matches', c: cond({ field: 'from', op: 'matches', value: '^alice@example\\.(org|net)$' }), want: true },
  { name: 'from exists', c: cond({ field: 'from', op: 'exists' }), want: true },
  { name: 'from exists (none)', c: cond({ field: 'from', op: 'exists' }), m: makeMessage({ from: [] }), want: false },
  { name: 'to equals', c: cond({ field: 'to', op: 'equals', value: 'debian-devel@lists.debian.org' }), m: listMail, want: true },
  { name: 'to contains (other msg)', c: cond({ field: 'to', op: 'contains', value: 'debian' }), want: false },
  { name: 'cc any address', c: cond({ field: 'cc', op: 'equals', value: 'dave@example.com' }), m: listMail, want: true },
  { name: 'cc name form', c: cond({ field: 'cc', op: 'starts-with', value: 'carol <' }), m: listMail, want: true },
  { name: 'cc exists (empty)', c: cond({ field: 'cc', op: 'exists' }), want: false },
  { name: 'cc exists', c: cond({ field: 'cc', op: 'exists' }), m: listMail, want: true },
  // Subject.
  { name: 'subject contains', c: cond({ field: 'subject', op: 'contains', value: 'friday' }), want: true },
  { name: 'subject equals', c: cond({ field: 'subject', op: 'equals', value: 'lunch on friday?' }), want: true },
  { name: 'subject starts-with', c: cond({ field: 'subject', op: 'starts-with', value: '[debian-devel]' }), m: listMail, want: true },
  { name: 'subject ends-with', c: cond({ field: 'subject', op: 'ends-with', value: 'ftbfs' }), m: listMail, want: true },
  { name: 'subject matches', c: cond({ field: 'subject', op: 'matches', value: 'bug#\\d+' }), m: listMail, want: true },
  { name: 'subject exists (blank)', c: cond({ field: 'subject', op: 'exists' }), m: makeMessage({ subject: '' }), want: false },
  // Case sensitivity.
  { name: 'caseSensitive contains miss', c: cond({ field: 'subject', op: 'contains', value: 'friday', caseSensitive: true }), want: false },
  { name: 'caseSensitive contains hit', c: cond({ field: 'subject', op: 'contains', value: 'Friday', caseSensitive: true }), want: true },
  { name: 'caseSensitive matches miss', c: cond({ field: 'subject', op: 'matches', value: 'LUNCH', caseSensitive: true }), want: false },
  { name: 'case-insensitive matches', c: cond({ field: 'subject', op: 'matches', value: 'LUNCH' }), want: true },
  // Arbitrary headers: lower-case lookup, any occurrence.
  { name: 'header any occurrence', c: cond({ field: 'header', header: 'Received', op: 'contains', value: 'spam.example' }), m: listMail, want: true },
  { name: 'header name case-insensitive', c: cond({ field: 'header', header: 'X-MAILER', op: 'starts-with', value: 'mutt' }), m: listMail, want: true },
  { name: 'header missing', c: cond({ field: 'header', header: 'X-Nope', op: 'contains', value: 'x' }), m: listMail, want: false },
  { name: 'header exists', c: cond({ field: 'header', header: 'x-mailer', op: 'exists' }), m: listMail, want: true },
  { name: 'header exists (blank value)', c: cond({ field: 'header', header: 'x-spam-flag', op: 'exists' }), m: listMail, want: false },
  { name: 'header exists (absent)', c: cond({ field: 'header', header: 'x-mailer', op: 'exists' }), want: false },
  { name: 'header matches', c: cond({ field: 'header', header: 'received', op: 'matches', value: '^from mx\\.' }), m: listMail, want: true },
  // List-Id: whole value or the id inside <>.
  { name: 'list-id equals id', c: cond({ field: 'list-id', op: 'equals', value: 'debian-devel.lists.debian.org' }), m: listMail, want: true },
  { name: 'list-id contains description', c: cond({ field: 'list-id', op: 'contains', value: 'development' }), m: listMail, want: true },
  { name: 'list-id ends-with', c: cond({ field: 'list-id', op: 'ends-with', value: '.debian.org' }), m: listMail, want: true },
  { name: 'list-id exists', c: cond({ field: 'list-id', op: 'exists' }), m: listMail, want: true },
  { name: 'list-id exists (absent)', c: cond({ field: 'list-id', op: 'exists' }), want: false },
  // Body.
  { name: 'body contains', c: cond({ field: 'body', op: 'contains', value: 'NEW PLACE' }), want: true },
  { name: 'body matches multi-line flag', c: cond({ field: 'body', op: 'matches', value: '(?m)^unsubscribe:' }), m: listMail, want: true },
  { name: 'body matches without (?m)', c: cond({ field: 'body', op: 'matches', value: '^unsubscribe:' }), m: listMail, want: false },
  { name: 'body starts-with', c: cond({ field: 'body', op: 'starts-with', value: 'shall we' }), want: true },
  { name: 'body exists (empty)', c: cond({ field: 'body', op: 'exists' }), m: makeMessage({ text: '' }), want: false },
  // Attachments.
  { name: 'has-attachment', c: cond({ field: 'has-attachment', op: 'exists' }), m: listMail, want: true },
  { name: 'has-attachment (none)', c: cond({ field: 'has-attachment', op: 'exists' }), want: false },
  { name: 'no attachment (negated)', c: cond({ field: 'has-attachment', op: 'exists', negate: true }), want: true },
  { name: 'attachment-name ends-with', c: cond({ field: 'attachment-name', op: 'ends-with', value: '.GZ' }), m: listMail, want: true },
  { name: 'attachment-name matches', c: cond({ field: 'attachment-name', op: 'matches', value: '\\.(pdf|docx?)$' }), m: listMail, want: false },
  { name: 'attachment-name exists', c: cond({ field: 'attachment-name', op: 'exists' }), m: listMail, want: true },
  {
    name: 'attachment-name exists (only unnamed)',
    c: cond({ field: 'attachment-name', op: 'exists' }),
    m: makeMessage({ attachments: [{ filename: undefined, contentType: 'image/png', size: 1 }] }),
    want: false,
  },
  { name: 'attachment-type any attachment', c: cond({ field: 'attachment-type', op: 'equals', value: 'text/x-diff' }), m: listMail, want: true },
  { name: 'attachment-type starts-with', c: cond({ field: 'attachment-type', op: 'starts-with', value: 'image/' }), m: listMail, want: false },
  // Size: bytes, or binary units.
  { name: 'size greater-than', c: cond({ field: 'size', op: 'greater-than', value: 25_000 }), m: listMail, want: true },
  { name: 'size greater-than 25k (=25600)', c: cond({ field: 'size', op: 'greater-than', value: '25k' }), m: listMail, want: false },
  { name: 'size less-than 1M', c: cond({ field: 'size', op: 'less-than', value: '1M' }), m: listMail, want: true },
  { name: 'size less-than strict', c: cond({ field: 'size', op: 'less-than', value: 4_000 }), want: false },
  // Negation applies to the whole field: no address matches.
  { name: 'negated contains', c: cond({ field: 'from', op: 'contains', value: 'bob', negate: true }), want: true },
  { name: 'negated any-address hit', c: cond({ field: 'cc', op: 'contains', value: 'dave', negate: true }), m: listMail, want: false },
  { name: 'negated size', c: cond({ field: 'size', op: 'greater-than', value: '1M', negate: true }), want: true },
  // Invalid conditions never match, negated or not.
  { name: 'invalid regex', c: cond({ field: 'subject', op: 'matches', value: '(?=lunch)' }), want: false },
  { name: 'invalid regex negated', c: cond({ field: 'subject', op: 'matches', value: '(a', negate: true }), want: false },
  { name: 'header without name negated', c: cond({ field: 'header', op: 'exists', negate: true }), want: false },
  { name: 'size op on text field', c: cond({ field: 'subject', op: 'greater-than', value: 1, negate: true }), want: false },
  { name: 'unparseable size', c: cond({ field: 'size', op: 'less-than', value: 'big', negate: true }), want: false },
];

describe('matchCondition', () => {
  it.each(cases)('$name → $want', ({ c, m, want }) => {
    expect(matchCondition(c, m ?? makeMessage())).toBe(want);
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const evil = makeMessage({ subject: 'a'.repeat(50_000) + '!', text: 'x'.repeat(50_000) });
    // Each of these takes exponential or high-polynomial time in a backtracking engine.
    expect(matchCondition(cond({ field: 'subject', op: 'matches', value: '(a+)+$' }), evil)).toBe(
      false,
    );
    expect(
      matchCondition(cond({ field: 'subject', op: 'matches', value: '^(a|aa)*$' }), evil),
    ).toBe(false);
    expect(matchCondition(cond({ field: 'body', op: 'matches', value: '(x+x+)+y' }), evil)).toBe(
      false,
    );
    expect(matchCondition(cond({ field: 'body', op: 'matches', value: 'x*x*x*x*x*y' }), evil)).toBe(
      false,
    );
    expect(matchCondition(cond({ field: 'subject', op: 'matches', value: '(a+)+!$' }), evil)).toBe(
      true,
    );
  });
});

describe('evaluateRules', () => {
  const fromAlice = cond({ field: 'from', op: 'contains', value: 'alice' });
  const fromBob = cond({ field: 'from', op: 'contains', value: 'bob' });
  const aboutLunch = cond({ field: 'subject', op: 'contains', value: 'lunch' });

  it('matches all conditions by default', () => {
    const all = makeRule({ id: 'all', conditions: [fromAlice, fromBob] });
    const both = makeRule({ id: 'both', conditions: [fromAlice, aboutLunch] });
    const d = evaluateRules([all, both], makeMessage());
    expect(d.matched.map((r) => r.id)).toEqual(['both']);
  });

  it('matches any condition when match is any', () => {
    const any = makeRule({
      id: 'any',
      name: 'Any',
      match: 'any',
      conditions: [fromBob, aboutLunch],
    });
    const d = evaluateRules([any], makeMessage());
    expect(d.matched).toEqual([{ id: 'any', name: 'Any' }]);
  });

  it('any with no condition matching does not match', () => {
    const any = makeRule({ match: 'any', conditions: [fromBob] });
    expect(evaluateRules([any], makeMessage()).decided).toBe(false);
  });

  it('collects actions of every matching rule in order and keeps the first category', () => {
    const rules = [
      makeRule({ id: 'a', conditions: [fromAlice], actions: [{ type: 'flag' }] }),
      makeRule({ id: 'b', conditions: [fromBob], actions: [{ type: 'notify' }], category: 'Nope' }),
      makeRule({
        id: 'c',
        conditions: [aboutLunch],
        actions: [{ type: 'add-keyword', keyword: 'food' }],
        category: 'Social',
      }),
      makeRule({ id: 'd', conditions: [fromAlice], category: 'Friends' }),
    ];
    const d = evaluateRules(rules, makeMessage());
    expect(d).toEqual({
      matched: [
        { id: 'a', name: rules[0]?.name },
        { id: 'c', name: rules[2]?.name },
        { id: 'd', name: rules[3]?.name },
      ],
      category: 'Social',
      actions: [{ type: 'flag' }, { type: 'add-keyword', keyword: 'food' }],
      decided: true,
    });
  });

  it('stop ends evaluation after the stopping rule, whose actions all apply', () => {
    const rules = [
      makeRule({
        id: 'a',
        conditions: [fromAlice],
        actions: [{ type: 'stop' }, { type: 'move', folder: 'Friends' }],
      }),
      makeRule({ id: 'b', conditions: [aboutLunch], actions: [{ type: 'flag' }], category: 'X' }),
    ];
    const d = evaluateRules(rules, makeMessage());
    expect(d.matched.map((r) => r.id)).toEqual(['a']);
    expect(d.actions).toEqual([{ type: 'stop' }, { type: 'move', folder: 'Friends' }]);
    expect(d.category).toBeUndefined();
  });

  it('a stop in a rule that does not match changes nothing', () => {
    const rules = [
      makeRule({ id: 'a', conditions: [fromBob], actions: [{ type: 'stop' }] }),
      makeRule({ id: 'b', conditions: [aboutLunch], actions: [{ type: 'flag' }] }),
    ];
    expect(evaluateRules(rules, makeMessage()).matched.map((r) => r.id)).toEqual(['b']);
  });

  it('skips disabled rules, including their stop', () => {
    const rules = [
      makeRule({ id: 'off', enabled: false, conditions: [fromAlice], actions: [{ type: 'stop' }] }),
      makeRule({ id: 'on', conditions: [fromAlice], actions: [{ type: 'flag' }] }),
    ];
    const d = evaluateRules(rules, makeMessage());
    expect(d.matched.map((r) => r.id)).toEqual(['on']);
  });

  it('is undecided when nothing matches', () => {
    const d = evaluateRules([makeRule({ conditions: [fromBob], category: 'X' })], makeMessage());
    expect(d).toEqual({ matched: [], category: undefined, actions: [], decided: false });
    expect(evaluateRules([], makeMessage()).decided).toBe(false);
  });

  it('a rule with a category and no actions still decides', () => {
    const d = evaluateRules(
      [makeRule({ conditions: [fromAlice], category: 'Friends' })],
      makeMessage(),
    );
    expect(d).toMatchObject({ category: 'Friends', actions: [], decided: true });
  });

  it('a rule that only acts decides (the model is not asked), a `stop` alone included', () => {
    for (const actions of [[{ type: 'flag' as const }], [{ type: 'stop' as const }]]) {
      const d = evaluateRules([makeRule({ conditions: [fromAlice], actions })], makeMessage());
      expect(d.decided).toBe(true);
    }
  });

  it('a matching rule with no action and no category is recorded but decides nothing', () => {
    const d = evaluateRules([makeRule({ id: 'draft', conditions: [fromAlice] })], makeMessage());
    expect(d).toEqual({
      matched: [{ id: 'draft', name: expect.any(String) as string }],
      category: undefined,
      actions: [],
      decided: false,
    });
  });

  it('never matches a rule with no conditions (unvalidated input)', () => {
    const rule = { ...makeRule({ conditions: [fromAlice] }), conditions: [] };
    expect(evaluateRules([rule], makeMessage()).decided).toBe(false);
  });

  it('an invalid condition does not stop other rules', () => {
    const rules = [
      makeRule({
        id: 'bad',
        conditions: [cond({ field: 'subject', op: 'matches', value: '(a)\\1' })],
      }),
      makeRule({ id: 'good', conditions: [aboutLunch] }),
    ];
    expect(evaluateRules(rules, makeMessage()).matched.map((r) => r.id)).toEqual(['good']);
  });

  it('gives the same answers when the same rules are evaluated again (cached compile)', () => {
    const rules = [
      makeRule({ conditions: [cond({ field: 'body', op: 'matches', value: 'corner' })] }),
    ];
    const hit = makeMessage();
    const miss = makeMessage({ text: 'nothing here' });
    for (let i = 0; i < 3; i++) {
      expect(evaluateRules(rules, hit).matched).toHaveLength(1);
      expect(evaluateRules(rules, miss).matched).toHaveLength(0);
    }
  });
});
