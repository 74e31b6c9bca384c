import { describe, expect, it } from 'vitest';
import {
  MAX_REGEX_LENGTH,
  checkRegex,
  compileRegex,
  parseSize,
  validateRules,
} from '../../../src/shared/domain/regex-guard.js';

describe('checkRegex', () => {
  it.each([
    'debian-.*@lists\\.debian\\.org',
    '^\\[(announce|security)\\]',
    '(?i)invoice\\s+#?\\d{4,}',
    '(?P<year>\\d{4})-(?<month>\\d{2})',
    '\\bURGENT\\b',
    '\\p{Greek}+',
    '[^\\x00-\\x7f]{3}',
    // Catastrophic for backtracking engines; linear under RE2, so accepted.
    '(a+)+$',
    '^(\\w+\\s?)*$',
    '(x+x+)+y',
  ])('accepts %s', (source) => {
    expect(checkRegex(source, false)).toEqual({ ok: true });
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['x'.repeat(MAX_REGEX_LENGTH + 1), /too long \(1001 characters, at most 1000\)/],
    ['foo(?=bar)', /^lookahead `\(\?=…\)` is not supported \(.*RE2/],
    ['foo(?!bar)', /^negative lookahead/],
    ['(?<=\\$)\\d+', /^lookbehind/],
    ['(?<!re: )hello', /^negative lookbehind/],
    ['(a)\\1', /^backreference `\\1` is not supported/],
    ['(?<q>[\'"]).*\\k<q>', /^named backreference/],
    ['a++', /^possessive quantifier `\+\+`/],
    ['\\u00e9', /write `\\x\{XXXX\}`/],
    ['end\\Z', /use `\\z` or `\$`/],
    ['(unclosed', /^missing closing \): `\(unclosed`$/],
    ['[abc', /^missing closing \]/],
    ['*a', /missing argument to repetition operator/],
    ['a{1001}', /repeat count `\{1001\}` is too large/],
    ['a{2,1}', /repeat count `\{2,1\}` has its minimum above its maximum/],
    ['(a{100}){100}', /repeat count .* too large/],
    ['[a-z]{1000}[0-9]{1000}', /too complex \(\d+ instructions, at most 2000\)/],
  ])('refuses %s with a clear message', (source, message) => {
    const r = checkRegex(source, false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('does not leak the case-insensitive prefix into messages', () => {
    const r = checkRegex('(oops', false);
    expect(r).toEqual({ ok: false, error: 'missing closing ): `(oops`' });
  });

  it('runs (a+)+$ against 50,000 a’s and a ! and returns', () => {
    const compiled = compileRegex('(a+)+$', false);
    expect(compiled.ok).toBe(true);
    if (compiled.ok) expect(compiled.regex.test('a'.repeat(50_000) + '!')).toBe(false);
  });

  it('compiles case-insensitively unless asked', () => {
    const ci = compileRegex('hello', false);
    const cs = compileRegex('hello', true);
    expect(ci.ok && ci.regex.test('HELLO')).toBe(true);
    expect(cs.ok && cs.regex.test('HELLO')).toBe(false);
  });
});

describe('parseSize', () => {
  it.each<[string | number | undefined, number | undefined]>([
    [0, 0],
    [50_000, 50_000],
    ['500', 500],
    ['10k', 10_240],
    ['10K', 10_240],
    ['10 KB', 10_240],
    ['10KiB', 10_240],
    ['2M', 2 * 1024 * 1024],
    ['1.5M', 1_572_864],
    ['1g', 1024 ** 3],
    ['100b', 100],
    [' 7k ', 7168],
    [-1, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    ['', undefined],
    ['big', undefined],
    ['10x', undefined],
    ['-5k', undefined],
    ['10i', undefined],
    [undefined, undefined],
    // Past 2^53 a number is not exact: refused rather than saved as something else.
    [1e20, undefined],
    ['99999999999999999999', undefined],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('%j → %s', (input, want) => {
    expect(parseSize(input)).toBe(want);
  });
});

const okRule = {
  id: 'debian',
  name: 'Debian lists',
  conditions: [{ field: 'list-id', op: 'ends-with', value: '.lists.debian.org' }],
  actions: [{ type: 'move', folder: 'Lists/Debian' }],
};

describe('validateRules', () => {
  it('accepts valid rules and fills in defaults', () => {
    const r = validateRules([
      okRule,
      {
        id: 'big',
        name: 'Big mail',
        match: 'any',
        conditions: [
          { field: 'size', op: 'greater-than', value: '5M' },
          { field: 'has-attachment', op: 'exists', negate: true },
          { field: 'header', header: 'X-Spam-Flag', op: 'equals', value: 'YES' },
          { field: 'subject', op: 'matches', value: '^\\[SPAM\\]', caseSensitive: true },
        ],
        category: 'Bulk',
      },
    ]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.rules).toHaveLength(2);
      expect(r.rules[0]).toMatchObject({ enabled: true, match: 'all' });
      expect(r.rules[0]?.conditions[0]).toMatchObject({ negate: false, caseSensitive: false });
    }
  });

  it('refuses something that is not a list', () => {
    expect(validateRules({ rules: [] })).toEqual({
      ok: false,
      errors: [{ path: 'rules', message: 'expected a list of rules' }],
    });
  });

  const condition = (c: Record<string, unknown>) => [
    okRule,
    okRule,
    { ...okRule, id: 'third', conditions: [okRule.conditions[0], c] },
  ];

  // prettier-ignore
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['bad regex', { field: 'subject', op: 'matches', value: '(?=x)' }, 'value', /lookahead/],
    ['catastrophic-looking regex is fine, oversize is not', { field: 'body', op: 'matches', value: 'a'.repeat(2000) }, 'value', /too long/],
    ['empty regex', { field: 'subject', op: 'matches', value: '' }, 'value', /non-empty/],
    ['header without a name', { field: 'header', op: 'contains', value: 'x' }, 'header', /needs a header name/],
    ['header name with a colon', { field: 'header', header: 'X-Foo:', op: 'exists' }, 'header', /not a header name/],
    ['text op without value', { field: 'from', op: 'contains' }, 'value', /contains needs a value/],
    ['text op with a number', { field: 'subject', op: 'equals', value: 2024 }, 'value', /needs text/],
    ['exists with a value', { field: 'subject', op: 'exists', value: 'x' }, 'value', /exists takes no value/],
    ['size without number', { field: 'size', op: 'greater-than' }, 'value', /size in bytes/],
    ['size with junk', { field: 'size', op: 'less-than', value: 'huge' }, 'value', /size in bytes/],
    ['size with a text op', { field: 'size', op: 'equals', value: 5 }, 'op', /size supports only greater-than, less-than, not equals/],
    ['has-attachment with contains', { field: 'has-attachment', op: 'contains', value: 'pdf' }, 'op', /only exists.*negate/],
    ['greater-than on a text field', { field: 'subject', op: 'greater-than', value: 5 }, 'op', /subject supports only/],
    ['unknown field (zod)', { field: 'bcc', op: 'contains', value: 'x' }, 'field', /./],
    ['unknown op (zod)', { field: 'from', op: 'like', value: 'x' }, 'op', /./],
  ])('%s → rules[2].conditions[1].%s', (_name, c, key, message) => {
    const r = validateRules(condition(c));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const mine = r.errors.filter((e) => e.path === `rules[2].conditions[1].${key}`);
    expect(mine, JSON.stringify(r.errors)).toHaveLength(1);
    expect(mine[0]?.message).toMatch(message);
  });

  it('reports shape errors with their zod paths', () => {
    const r = validateRules([
      okRule,
      { ...okRule, id: 'x', name: '', conditions: [] },
      {
        ...okRule,
        id: 'y',
        actions: [{ type: 'move' }, { type: 'add-keyword', keyword: 'has space' }],
      },
      { ...okRule, id: 'z', actions: [{ type: 'explode' }] },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'rules[1].name',
        'rules[1].conditions',
        'rules[2].actions[0].folder',
        'rules[2].actions[1].keyword',
        'rules[3].actions[0].type',
      ]),
    );
    expect(r.errors.find((e) => e.path === 'rules[1].conditions')?.message).toMatch(
      /at least one condition/,
    );
    expect(r.errors.find((e) => e.path === 'rules[2].actions[1].keyword')?.message).toMatch(
      /cannot contain spaces/,
    );
  });

  it('reports every error at once, across rules', () => {
    const r = validateRules([
      { ...okRule, id: 'a', conditions: [{ field: 'subject', op: 'matches', value: '(a)\\1' }] },
      { ...okRule, id: 'b', conditions: [okRule.conditions[0], { field: 'size', op: 'exists' }] },
    ]);
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: 'rules[0].conditions[0].value',
          message: expect.stringMatching(/backreference/) as unknown,
        },
        {
          path: 'rules[1].conditions[1].op',
          message: expect.stringMatching(/size supports only/) as unknown,
        },
      ],
    });
  });

  it('refuses duplicate rule ids', () => {
    const r = validateRules([okRule, { ...okRule, name: 'again' }]);
    expect(r).toEqual({
      ok: false,
      errors: [{ path: 'rules[1].id', message: 'duplicate rule id "debian" (also rules[0])' }],
    });
  });
});
