import { describe, expect, it } from 'vitest';
import { exportDocument, parseExportDocument } from '../../../src/shared/domain/rules-file.js';
import { Category, Rule } from '../../../src/shared/domain/rule.js';

const rule = Rule.parse({
  id: 'r1',
  name: 'lists',
  conditions: [{ field: 'list-id', op: 'contains', value: 'debian' }],
  actions: [{ type: 'move', folder: 'Lists' }],
});
const cat = Category.parse({ name: 'Promotions', description: 'offers and sales' });

describe('the rules file', () => {
  it('round-trips rules and categories', () => {
    const text = JSON.stringify(exportDocument([rule], [cat]));
    expect(parseExportDocument(text)).toEqual({ ok: true, rules: [rule], categories: [cat] });
  });

  it.each([
    ['not JSON', '{rules:', /not JSON/, ''],
    ['another format', '{"format":"x","version":1}', /not a Solon rules file/, 'format'],
    ['a later version', '{"format":"solon-rules","version":2}', /version 1/, 'version'],
    ['a misspelt key', JSON.stringify({ ...exportDocument([rule], []), rulez: [] }), /rulez/, ''],
    [
      'a rule missing its conditions',
      JSON.stringify(exportDocument([{ ...rule, conditions: [] }], [])),
      /at least one condition/,
      'rules[0].conditions',
    ],
  ])('refuses %s, naming where', (_what, text, message, path) => {
    const r = parseExportDocument(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.path).toBe(path);
  });

  it('refuses a regex RE2 cannot run, and a category named twice', () => {
    const bad = {
      ...rule,
      conditions: [{ ...rule.conditions[0]!, op: 'matches' as const, value: '(a)\\1' }],
    };
    const r = parseExportDocument(JSON.stringify(exportDocument([bad], [])));
    expect(r).toMatchObject({ ok: false, path: 'rules[0].conditions[0].value' });
    const twice = parseExportDocument(JSON.stringify(exportDocument([], [cat, cat])));
    expect(twice).toMatchObject({ ok: false, path: 'categories[1].name' });
  });
});
