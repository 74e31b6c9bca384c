import { describe, expect, it } from 'vitest';
import { benchFolders, benchRules } from '../../../bench/lib/bench-rules.js';
import { imapfilterConfig, luaString, ruleLua } from '../../../bench/peers/imapfilter-config.js';
import type { RuleInput } from '../../../src/shared/domain/rule.js';
import { Rule } from '../../../src/shared/domain/rule.js';

const move = (folder: string): RuleInput['actions'] => [{ type: 'move', folder }, { type: 'stop' }];

describe('luaString', () => {
  it('escapes quotes, backslashes and every non-printable byte (UTF-8 as \\ddd)', () => {
    expect(luaString('plain')).toBe('"plain"');
    expect(luaString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(luaString('x\ny')).toBe('"x\\010y"');
    expect(luaString('é')).toBe('"\\195\\169"');
    expect(luaString(']]')).toBe('"]]"');
  });
});

describe('ruleLua', () => {
  it('turns a header contains into a server-side contain_field and a move', () => {
    const lua = ruleLua(
      {
        id: 'fork',
        name: 'fork',
        conditions: [{ field: 'list-id', op: 'contains', value: 'fork.xent.com' }],
        actions: move('Lists/fork'),
      },
      'box',
      'account',
    );
    expect(lua).toContain('r = box:contain_field("List-Id", "fork.xent.com")');
    expect(lua).toContain('r:move_messages(account["Lists/fork"])');
  });

  it('any is a union, all an intersection, negate a difference, size LARGER/SMALLER', () => {
    const any = ruleLua(
      {
        id: 'a',
        name: 'a',
        match: 'any',
        conditions: [
          { field: 'subject', op: 'contains', value: 'x' },
          { field: 'body', op: 'contains', value: 'y' },
        ],
        actions: move('F'),
      },
      'box',
      'account',
    );
    expect(any).toContain('box:contain_field("Subject", "x") + box:contain_body("y")');
    const all = ruleLua(
      {
        id: 'b',
        name: 'b',
        conditions: [
          { field: 'header', header: 'X-Mailer', op: 'contains', value: 'x' },
          { field: 'from', op: 'contains', value: 'y', negate: true },
          { field: 'size', op: 'greater-than', value: 1000 },
          { field: 'size', op: 'less-than', value: 9000 },
        ],
        actions: move('F'),
      },
      'box',
      'account',
    );
    expect(all).toContain(
      'box:contain_field("X-Mailer", "x") * (box:select_all() - box:contain_field("From", "y")) * box:is_larger(1000) * box:is_smaller(9000)',
    );
  });

  it('refuses what would run differently in imapfilter rather than guess', () => {
    const base = { id: 'r', name: 'r', actions: move('F') };
    const refuse = (rule: RuleInput, why: RegExp): void =>
      expect(() => ruleLua(rule, 'box', 'account')).toThrow(why);
    refuse(
      { ...base, conditions: [{ field: 'subject', op: 'matches', value: 'x' }] },
      /only "contains"/,
    );
    refuse(
      {
        ...base,
        conditions: [{ field: 'subject', op: 'contains', value: 'x', caseSensitive: true }],
      },
      /case-insensitive/,
    );
    refuse(
      { ...base, conditions: [{ field: 'has-attachment', op: 'exists' }] },
      /no server-side search/,
    );
    refuse(
      { ...base, conditions: [{ field: 'size', op: 'greater-than', value: '10k' }] },
      /whole number/,
    );
    refuse(
      {
        id: 'r',
        name: 'r',
        conditions: [{ field: 'subject', op: 'contains', value: 'x' }],
        actions: [{ type: 'flag' }, { type: 'move', folder: 'F' }, { type: 'stop' }],
      },
      /move \+ stop/,
    );
    refuse(
      {
        id: 'r',
        name: 'r',
        conditions: [{ field: 'subject', op: 'contains', value: 'x' }],
        actions: [{ type: 'move', folder: 'F' }],
      },
      /move \+ stop/,
    );
  });

  it('leaves a disabled rule out', () => {
    expect(
      ruleLua(
        {
          id: 'off',
          name: 'off',
          enabled: false,
          conditions: [{ field: 'subject', op: 'matches', value: '(' }],
          actions: [],
        },
        'box',
        'account',
      ),
    ).toBe('  -- off: disabled');
  });
});

describe('imapfilterConfig', () => {
  const opts = {
    server: 'localhost',
    port: 10993,
    username: 'bench',
    passwordEnv: 'BENCH_PW',
    mailbox: 'INBOX',
    rules: benchRules(),
  };

  it('runs every bench rule in order, then exits (once) or sorts after each IDLE wake (watch)', () => {
    const once = imapfilterConfig({ ...opts, mode: 'once' });
    expect(once).toContain('password = os.getenv("BENCH_PW")');
    expect(once).not.toContain('bench-secret');
    expect(once).toContain('options.certificates = false');
    expect(once).toContain('port = 10993,');
    expect(once).not.toContain('enter_idle');
    const moves = [...once.matchAll(/move_messages\(account\["([^"]+)"\]\)/g)].map((m) => m[1]);
    expect(moves).toHaveLength(20);
    expect(new Set(moves)).toEqual(new Set(benchFolders()));
    // Rule order is first-match order.
    expect(once.indexOf('"fork.xent.com"')).toBeLessThan(once.indexOf('"linux.ie"'));
    const watch = imapfilterConfig({ ...opts, mode: 'watch' });
    expect(watch).toMatch(/while true do\n {2}local ok = inbox:enter_idle\(\)/);
    expect(watch).toContain("io.stderr:write('imapfilter: watching\\n')");
  });
});

describe('benchRules', () => {
  it('are twenty valid Solon rules, each moving and stopping', () => {
    const rules = benchRules().map((r) => Rule.parse(r));
    expect(rules).toHaveLength(20);
    expect(new Set(rules.map((r) => r.id)).size).toBe(20);
    for (const r of rules) {
      expect(r.actions.map((a) => a.type)).toEqual(['move', 'stop']);
      for (const c of r.conditions) expect(c.op).toBe('contains');
    }
  });
});
