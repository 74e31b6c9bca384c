// The fast path for simple addresses (parse.ts simpleAddress) must give exactly what mailparser's
// full address parser gives, or step aside: checked on every From, To and Cc header of the
// SpamAssassin corpus and of ../shared/corpora/tricky-mime when present.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAddressHeader } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { simpleAddress } from '../../../src/main/core/mail/parse.js';
import { spamAssassinMessages, trickyMimeDir } from '../../helpers/corpus.js';

/** Raw (unfolded, not word-decoded) values of these fields, read as parse.ts reads them. */
function addressFields(raw: Buffer): string[] {
  const text = raw.toString('latin1', 0, Math.min(raw.length, 256 * 1024));
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const out: string[] = [];
  for (const m of head.matchAll(/^(?:from|to|cc):[ \t]*(.*(?:\r?\n[ \t].*)*)/gim))
    out.push(m[1]!.replace(/\r?\n(?=[ \t])/g, ''));
  return out;
}

function full(raw: string): { name: string; address: string }[] {
  return parseAddressHeader([raw], { flatten: true })
    .value.map((a) => ({ name: a.name ?? '', address: a.address ?? '' }))
    .filter((a) => a.name !== '' || a.address !== '');
}

function check(values: string[]): { fast: number; fellBack: number; differ: string[] } {
  let fast = 0;
  let fellBack = 0;
  const differ: string[] = [];
  for (const v of values) {
    const s = simpleAddress(v);
    if (!s) {
      fellBack++;
      continue;
    }
    fast++;
    if (JSON.stringify([s]) !== JSON.stringify(full(v))) differ.push(v);
  }
  return { fast, fellBack, differ };
}

describe('simpleAddress', () => {
  it.each([
    ['Ann Example <ann@example.com>', { name: 'Ann Example', address: 'ann@example.com' }],
    ['"Example, Ann" <ann@example.com>', { name: 'Example, Ann', address: 'ann@example.com' }],
    ['ann@example.com', { name: '', address: 'ann@example.com' }],
    ['=?utf-8?Q?J=C3=BCrgen?= <j@example.de>', { name: 'Jürgen', address: 'j@example.de' }],
  ])('reads %s', (raw, want) => {
    expect(simpleAddress(raw)).toEqual(want);
  });

  it.each([
    'a@example.com, b@example.com',
    'Friends: a@example.com, b@example.com;',
    'ann@example.com (Ann)',
    '"a\\"b" <ann@example.com>',
    '"ann@example.com" <ann@example.com>',
    'undisclosed-recipients:;',
    '',
  ])('leaves %j to the full parser', (raw) => {
    expect(simpleAddress(raw)).toBeUndefined();
  });

  it('agrees with the full parser on every address field of the SpamAssassin corpus', () => {
    const values = spamAssassinMessages().flatMap((m) => addressFields(m.raw));
    const r = check(values);
    expect(r.differ).toEqual([]);
    // It must also be worth having: most real headers take the fast path.
    expect(r.fast).toBeGreaterThan(values.length * 0.8);
  });

  it.skipIf(!trickyMimeDir())('agrees with the full parser on tricky-mime', () => {
    const dir = trickyMimeDir()!;
    const values = readdirSync(dir)
      .map((f) => path.join(dir, f))
      .filter((f) => statSync(f).isFile())
      .flatMap((f) => addressFields(readFileSync(f)));
    expect(check(values).differ).toEqual([]);
  });
});
