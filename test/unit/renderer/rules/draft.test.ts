import { describe, expect, it } from 'vitest';
import { validateRules } from '../../../../src/shared/domain/regex-guard.js';
import { Rule } from '../../../../src/shared/domain/rule.js';
import {
  describeActions,
  duplicateRule,
  fieldKey,
  fromRule,
  insertAt,
  localErrors,
  moveItem,
  newCondition,
  newRuleDraft,
  placeProblems,
  sameDraft,
  slug,
  toRule,
  uniqueId,
  withActionType,
  withDraft,
  withField,
  withOperator,
  type RuleDraft,
  restoreDeleted,
} from '../../../../src/renderer/rules/draft.js';
import { demoRules } from '../../../helpers/solon-config.js';

const folders = ['INBOX', 'Lists/exmh', 'Archive'].map((path) => ({
  path,
  name: path.split('/').at(-1)!,
  decodedPath: path,
  delimiter: '/',
}));
const ctx = { folders, accountId: 'work', categories: ['receipts'] };

function draftOf(rule: Parameters<typeof Rule.parse>[0]): RuleDraft {
  return fromRule(Rule.parse(rule));
}

describe('rule drafts', () => {
  it('round-trips every demo rule unchanged', () => {
    for (const input of demoRules()) {
      const rule = Rule.parse(input);
      expect(toRule(fromRule(rule)).rule).toEqual(rule);
    }
  });

  it('shows the category as an action row before a final stop, and saves it as rule.category', () => {
    const d = draftOf({
      id: 'r',
      name: 'r',
      conditions: [{ field: 'from', op: 'contains', value: 'shop' }],
      actions: [{ type: 'move', folder: 'Archive' }, { type: 'stop' }],
      category: 'receipts',
    });
    expect(d.actions.map((a) => a.type)).toEqual(['move', 'set-category', 'stop']);
    const { rule, rowOf } = toRule(d);
    expect(rule.category).toBe('receipts');
    expect(rule.actions).toEqual([{ type: 'move', folder: 'Archive' }, { type: 'stop' }]);
    // actions[1] (stop) is form row 2: the category row sits between.
    expect(rowOf).toEqual([0, 2]);
  });

  it('keeps a size as typed text unless it is plain bytes', () => {
    const d = newRuleDraft();
    d.conditions = [
      { ...withField(newCondition(), 'size'), value: '10k' },
      { ...withField(newCondition(), 'size'), value: '500' },
    ];
    const { rule } = toRule(d);
    expect(rule.conditions.map((c) => c.value)).toEqual(['10k', 500]);
  });

  it('drops the value of exists and the header name of other fields', () => {
    const c = {
      ...newCondition(),
      field: 'header' as const,
      header: 'X-Spam',
      op: 'exists' as const,
    };
    const d = { ...newRuleDraft(), conditions: [c, { ...c, field: 'from' as const }] };
    const [a, b] = toRule(d).rule.conditions;
    expect(a).toEqual({
      field: 'header',
      header: 'X-Spam',
      op: 'exists',
      negate: false,
      caseSensitive: false,
    });
    expect(b).not.toHaveProperty('header');
    expect(b).not.toHaveProperty('value');
  });
});

describe('field and operator changes', () => {
  it('offers only the operators a field supports, keeping what still fits', () => {
    const c = { ...newCondition(), op: 'matches' as const, value: 'a+b' };
    expect(withField(c, 'subject')).toMatchObject({ op: 'matches', value: 'a+b' });
    expect(withField(c, 'size')).toMatchObject({ op: 'greater-than', value: '' });
    expect(withField(c, 'has-attachment')).toMatchObject({ op: 'exists', value: '' });
  });

  it('keeps text going to a regex, clears it for exists', () => {
    const c = { ...newCondition(), op: 'contains' as const, value: 'exmh' };
    expect(withOperator(c, 'matches').value).toBe('exmh');
    expect(withOperator(c, 'exists').value).toBe('');
  });

  it('keeps a folder between move and copy, not into a keyword', () => {
    const a = { key: 'k', type: 'move' as const, arg: 'Archive' };
    expect(withActionType(a, 'copy').arg).toBe('Archive');
    expect(withActionType(a, 'add-keyword').arg).toBe('');
  });
});

describe('problems on fields', () => {
  it('puts rules.validate problems on the form field they name', () => {
    const d = draftOf({
      id: 'r',
      name: 'r',
      conditions: [
        { field: 'from', op: 'contains', value: 'a' },
        { field: 'subject', op: 'matches', value: '(?=x)' },
        { field: 'header', op: 'contains', value: 'y' },
      ],
      actions: [{ type: 'move', folder: 'Archive' }],
      category: 'receipts',
    });
    d.actions.push({ key: 'kw', type: 'add-keyword', arg: 'two words' });
    const { rule, rowOf } = toRule(d);
    const check = validateRules([rule]);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    // validateRules' shape check stops at the keyword, so check the conditions separately too.
    const errors = placeProblems(check.errors, 0, d, rowOf);
    expect(Object.keys(errors)).toEqual(['actions.2.arg']);
    const conditionsOnly = validateRules([{ ...rule, actions: [] }]);
    if (conditionsOnly.ok) throw new Error('expected problems');
    const placed = placeProblems(conditionsOnly.errors, 0, d, rowOf);
    expect(placed['conditions.1.value']).toMatch(/lookahead/);
    expect(placed['conditions.2.header']).toMatch(/header name/);
  });

  it('maps paths of the rule at its index in the saved list', () => {
    const d = draftOf({
      id: 'r',
      name: 'r',
      conditions: [{ field: 'from', op: 'contains', value: 'a' }],
      actions: [{ type: 'flag' }],
      category: 'receipts',
    });
    const { rowOf } = toRule(d);
    expect(fieldKey('rules[3].category', 3, d, rowOf)).toBe('actions.1.arg');
    expect(fieldKey('rules[3].name', 3, d, rowOf)).toBe('name');
    expect(fieldKey('rules[3].actions[0]', 3, d, rowOf)).toBe('actions.0.type');
    expect(fieldKey('rules[2].name', 3, d, rowOf)).toBeUndefined();
    expect(fieldKey('rules[3].conditions', 3, d, rowOf)).toBe('conditions');
  });

  it('says zod’s “too small” in words', () => {
    const d = { ...newRuleDraft(), id: 'x' };
    const { rule, rowOf } = toRule(d);
    const check = validateRules([rule]);
    if (check.ok) throw new Error('expected problems');
    const errors = placeProblems(check.errors, 0, d, rowOf);
    expect(errors.name).toBe('give the rule a name');
  });

  it('reports a folder the server does not have, an unknown category, two category rows', () => {
    const d: RuleDraft = {
      ...newRuleDraft(),
      name: 'n',
      actions: [
        { key: 'a', type: 'move', arg: 'Nowhere' },
        { key: 'b', type: 'set-category', arg: 'travel' },
        { key: 'c', type: 'set-category', arg: 'receipts' },
        { key: 'd', type: 'copy', arg: 'Archive' },
      ],
    };
    const errors = localErrors(d, ctx);
    expect(errors['actions.0.arg']).toBe('folder Nowhere does not exist on work');
    expect(errors['actions.1.arg']).toBe('no category named "travel"');
    expect(errors['actions.2.type']).toBe('a rule sets one category');
    expect(errors['actions.3.arg']).toBeUndefined();
    expect(errors.name).toBeUndefined();
    // Folders not listed (yet): no folder verdict beyond "choose one".
    expect(localErrors(d, { ...ctx, folders: undefined })['actions.0.arg']).toBeUndefined();
    expect(localErrors({ ...d, name: ' ' }, ctx).name).toBe('give the rule a name');
  });
});

describe('the list', () => {
  const rules = demoRules().map((r) => Rule.parse(r));

  it('makes ids from names, never one already taken', () => {
    expect(slug('Mailing lists!')).toBe('mailing-lists');
    expect(slug('Café receipts')).toBe('cafe-receipts');
    expect(slug('!!!')).toBe('rule');
    expect(uniqueId('exmh', ['exmh', 'exmh-2'])).toBe('exmh-3');
    expect(uniqueId('New', [])).toBe('new');
  });

  it('duplicates right after the original, as a separate copy', () => {
    const out = duplicateRule(rules, 0);
    expect(out).toHaveLength(rules.length + 1);
    expect(out[1]).toMatchObject({ id: 'exmh-lists-copy', name: 'exmh lists (copy)' });
    expect(out[1]!.conditions).toEqual(rules[0]!.conditions);
    expect(out[1]!.conditions).not.toBe(rules[0]!.conditions);
    expect(out.slice(2)).toEqual(rules.slice(1));
  });

  it('moves and restores items at their place', () => {
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, 9)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b'], 5, 0)).toEqual(['a', 'b']);
    expect(insertAt(['a', 'c'], 1, 'b')).toEqual(['a', 'b', 'c']);
    expect(insertAt(['a'], 4, 'b')).toEqual(['a', 'b']);
  });

  it('puts a saved draft in its place, or a new one at the end', () => {
    const changed = { ...rules[1]!, name: 'renamed' };
    expect(withDraft(rules, changed, 1)[1]).toBe(changed);
    expect(withDraft(rules, changed, undefined).at(-1)).toBe(changed);
  });

  it('compares drafts without their row keys', () => {
    const a = draftOf(demoRules()[0]!);
    const b = draftOf(demoRules()[0]!);
    expect(a.conditions[0]!.key).not.toBe(b.conditions[0]!.key);
    expect(sameDraft(a, b)).toBe(true);
    expect(sameDraft(a, { ...b, name: 'x' })).toBe(false);
  });

  it('summarises actions with the category', () => {
    expect(
      describeActions({
        actions: [{ type: 'move', folder: 'A' }, { type: 'stop' }],
        category: 'c',
      }),
    ).toBe('move to A, stop, category c');
    expect(describeActions({ actions: [] })).toBe('nothing');
  });
});

describe('restoreDeleted', () => {
  it('puts quick deletes back where they were, in their order', () => {
    // [a b c d]: delete b (index 1) → [a c d], then c (now index 1) → [a d].
    const restored = restoreDeleted(
      ['a', 'd'],
      [
        { item: 'b', index: 1 },
        { item: 'c', index: 1 },
      ],
    );
    expect(restored).toEqual(['a', 'b', 'c', 'd']);
  });

  it('with nothing deleted gives the list as it is', () => {
    expect(restoreDeleted(['a'], [])).toEqual(['a']);
  });
});
