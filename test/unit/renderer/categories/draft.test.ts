import { describe, expect, it } from 'vitest';
import { Rule } from '../../../../src/shared/domain/rule.js';
import {
  categoryErrors,
  categoryFieldKey,
  clearInRules,
  fromCategory,
  renameInRules,
  rulesSetting,
  sameCategoryDraft,
  toCategory,
} from '../../../../src/renderer/categories/draft.js';

const ctx = {
  folders: [{ path: 'Receipts', name: 'Receipts', decodedPath: 'Receipts', delimiter: '/' }],
  accountId: 'work',
  categories: [],
};

const rules = [
  Rule.parse({
    id: 'shop',
    name: 'Shops',
    conditions: [{ field: 'from', op: 'contains', value: 'shop' }],
    actions: [{ type: 'flag' }],
    category: 'receipts',
  }),
  Rule.parse({
    id: 'other',
    name: 'Other',
    conditions: [{ field: 'from', op: 'contains', value: 'x' }],
  }),
];

describe('category drafts', () => {
  it('round-trips a category', () => {
    const c = {
      name: 'receipts',
      description: 'Invoices and receipts',
      actions: [{ type: 'move' as const, folder: 'Receipts' }, { type: 'mark-read' as const }],
    };
    expect(toCategory(fromCategory(c)).category).toEqual(c);
    expect(sameCategoryDraft(fromCategory(c), fromCategory(c))).toBe(true);
  });

  it('checks the name: pattern, "none", taken (ignoring case)', () => {
    const d = fromCategory({ name: 'receipts', description: '', actions: [] });
    expect(categoryErrors(d, [], ctx)).toEqual({});
    expect(categoryErrors({ ...d, name: '' }, [], ctx).name).toBe('give the category a name');
    expect(categoryErrors({ ...d, name: '2fast' }, [], ctx).name).toMatch(/letters, digits/);
    expect(categoryErrors({ ...d, name: 'None' }, [], ctx).name).toMatch(/"none"/);
    expect(categoryErrors(d, ['Receipts'], ctx).name).toMatch(/already a category/);
  });

  it('checks the actions: keyword syntax, folders on the server', () => {
    const d = {
      name: 'receipts',
      description: '',
      actions: [
        { key: 'a', type: 'add-keyword' as const, arg: 'two words' },
        { key: 'b', type: 'move' as const, arg: 'Nowhere' },
      ],
    };
    const errors = categoryErrors(d, [], ctx);
    expect(errors['actions.0.arg']).toMatch(/keyword/);
    expect(errors['actions.1.arg']).toBe('folder Nowhere does not exist on work');
  });

  it('maps settings paths to fields', () => {
    expect(categoryFieldKey('categories[2].name', 2, [0, 1])).toBe('name');
    expect(categoryFieldKey('categories[2].actions[1].keyword', 2, [0, 1])).toBe('actions.1.arg');
    expect(categoryFieldKey('categories[1].name', 2, [])).toBeUndefined();
  });

  it('follows a rename into the rules, and takes a deleted category out of them', () => {
    expect(rulesSetting(rules, 'receipts').map((r) => r.id)).toEqual(['shop']);
    expect(renameInRules(rules, 'receipts', 'bills')[0]?.category).toBe('bills');
    const cleared = clearInRules(rules, 'receipts');
    expect(cleared[0]).not.toHaveProperty('category');
    expect(cleared[0]?.actions).toEqual([{ type: 'flag' }]);
    expect(cleared[1]).toBe(rules[1]);
  });
});
