import { describe, expect, it } from 'vitest';
import { createClassifier, type Categorizer } from '../../../src/main/core/classify/pipeline.js';
import type { MessageView } from '../../../src/main/core/mail/message-view.js';
import { Category } from '../../../src/shared/domain/rule.js';
import { cond, makeMessage, makeRule } from '../rules/fixtures.js';

const categories = [
  Category.parse({
    name: 'PROMOTIONS',
    description: 'shops',
    actions: [
      { type: 'move', folder: 'Promotions' },
      { type: 'add-keyword', keyword: 'promo' },
    ],
  }),
];
const fromAlice = cond({ field: 'from', op: 'contains', value: 'alice' });

function spy(answer: Awaited<ReturnType<Categorizer>>): Categorizer & { asked: MessageView[] } {
  const asked: MessageView[] = [];
  const fn: Categorizer = (view) => {
    asked.push(view);
    return Promise.resolve(answer);
  };
  return Object.assign(fn, { asked });
}

describe('createClassifier: rules first, then the categorizer', () => {
  it('no rule decided: the categorizer is asked and its category acts, with its note', async () => {
    const categorize = spy({ category: 'PROMOTIONS', note: 'classifier: PROMOTIONS (0.4 s)' });
    const classify = createClassifier({ rules: [], categories, mailbox: 'INBOX', categorize });
    const c = await classify(makeMessage());
    expect(categorize.asked).toHaveLength(1);
    expect(c).toMatchObject({
      category: 'PROMOTIONS',
      note: 'classifier: PROMOTIONS (0.4 s)',
      plan: { moveTo: 'Promotions', addFlags: ['promo'] },
    });
  });

  it('a rule that acts decides: the categorizer is not asked', async () => {
    const categorize = spy({ category: 'PROMOTIONS' });
    const rules = [makeRule({ conditions: [fromAlice], actions: [{ type: 'flag' }] })];
    const c = await createClassifier({ rules, categories, mailbox: 'INBOX', categorize })(
      makeMessage(),
    );
    expect(categorize.asked).toHaveLength(0);
    expect(c.category).toBeUndefined();
    expect(c.note).toBeUndefined();
    expect(c.plan.addFlags).toEqual(['\\Flagged']);
  });

  it('a rule with only `stop` keeps the message from the model', async () => {
    const categorize = spy({ category: 'PROMOTIONS' });
    const rules = [makeRule({ conditions: [fromAlice], actions: [{ type: 'stop' }] })];
    await createClassifier({ rules, categories, mailbox: 'INBOX', categorize })(makeMessage());
    expect(categorize.asked).toHaveLength(0);
  });

  it("a rule that sets a category decides, and the category's actions run", async () => {
    const categorize = spy({ category: undefined });
    const rules = [makeRule({ conditions: [fromAlice], category: 'PROMOTIONS' })];
    const c = await createClassifier({ rules, categories, mailbox: 'INBOX', categorize })(
      makeMessage(),
    );
    expect(categorize.asked).toHaveLength(0);
    expect(c.plan.moveTo).toBe('Promotions');
  });

  it('fails open: no category and a note → nothing to do, the note kept', async () => {
    const categorize = spy({ note: 'classifier: no answer within 60 s; left as it is' });
    const c = await createClassifier({ rules: [], categories, mailbox: 'INBOX', categorize })(
      makeMessage(),
    );
    expect(c.category).toBeUndefined();
    expect(c.note).toBe('classifier: no answer within 60 s; left as it is');
    expect(c.plan).toMatchObject({ moveTo: undefined, addFlags: [], copyTo: [] });
  });

  it('a category that is not ours is never acted on', async () => {
    const categorize = spy({ category: 'DELETE_EVERYTHING' });
    const c = await createClassifier({ rules: [], categories, mailbox: 'INBOX', categorize })(
      makeMessage(),
    );
    expect(c.category).toBeUndefined();
    expect(c.note).toMatch(/unknown category "DELETE_EVERYTHING"/);
    expect(c.plan.moveTo).toBeUndefined();
  });

  it('no categories: the categorizer is not asked', async () => {
    const categorize = spy({ category: 'PROMOTIONS' });
    await createClassifier({ rules: [], categories: [], mailbox: 'INBOX', categorize })(
      makeMessage(),
    );
    expect(categorize.asked).toHaveLength(0);
  });

  it('passes the stop signal through, and an aborted answer is marked', async () => {
    let seen: AbortSignal | undefined;
    const categorize: Categorizer = (_v, _c, signal) => {
      seen = signal;
      return Promise.resolve({ aborted: true, note: 'classifier: stopped before asking' });
    };
    const ctrl = new AbortController();
    const c = await createClassifier({ rules: [], categories, mailbox: 'INBOX', categorize })(
      makeMessage(),
      ctrl.signal,
    );
    expect(seen).toBe(ctrl.signal);
    expect(c.aborted).toBe(true);
  });
});
