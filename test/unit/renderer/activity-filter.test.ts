import { describe, expect, it } from 'vitest';
import type { ActivityEntry, ActivityResult } from '../../../src/shared/domain/activity.js';
import {
  accountChoices,
  applyFilter,
  fetchLimit,
  FILTERED_WINDOW,
  isFiltered,
  isResultFilter,
  noFilter,
  passesFilter,
  resultFilters,
  SHOWN,
  undoneIds,
} from '../../../src/renderer/activity/filter.js';

let seq = 0;
function entry(result: ActivityResult, over: Partial<ActivityEntry> = {}): ActivityEntry {
  seq += 1;
  return {
    key: `a/INBOX/1/${seq}`,
    id: `a/INBOX/1/${seq}/${result}`,
    at: seq,
    accountId: 'a',
    mailbox: 'INBOX',
    uidValidity: '1',
    uid: seq,
    from: 'x@example.org',
    subject: `s${seq}`,
    rules: [],
    actions: '',
    result,
    undo: [],
    ...over,
  };
}

const every: ActivityResult[] = ['done', 'no-match', 'dry-run', 'error', 'quarantined', 'undone'];

describe('activity filters', () => {
  it('keeps what each choice names, and everything under All', () => {
    const list = every.map((r) => entry(r));
    const kept = (result: (typeof resultFilters)[number]['value']) =>
      applyFilter(list, { result }).map((e) => e.result);
    expect(kept('all')).toEqual(every);
    expect(kept('done')).toEqual(['done']);
    expect(kept('problems')).toEqual(['error', 'quarantined']);
    expect(kept('no-match')).toEqual(['no-match']);
    expect(kept('undone')).toEqual(['undone']);
    expect(kept('dry-run')).toEqual(['dry-run']);
  });

  it('combines the result with the account', () => {
    const a = entry('error', { accountId: 'a' });
    const b = entry('error', { accountId: 'b' });
    const c = entry('done', { accountId: 'b' });
    expect(applyFilter([a, b, c], { result: 'problems', accountId: 'b' })).toEqual([b]);
    expect(applyFilter([a, b, c], { result: 'all', accountId: 'b' })).toEqual([b, c]);
    expect(passesFilter(a, { result: 'all', accountId: undefined })).toBe(true);
  });

  it('fetches a wider window when filtering, and shows at most SHOWN', () => {
    expect(fetchLimit(noFilter)).toBe(SHOWN);
    expect(fetchLimit({ result: 'problems' })).toBe(FILTERED_WINDOW);
    expect(fetchLimit({ result: 'all', accountId: 'a' })).toBe(FILTERED_WINDOW);
    expect(FILTERED_WINDOW).toBeLessThanOrEqual(1000); // the contract's largest limit
    expect(isFiltered(noFilter)).toBe(false);
    const many = Array.from({ length: SHOWN + 50 }, () => entry('done'));
    expect(applyFilter(many, { result: 'done' })).toHaveLength(SHOWN);
  });

  it('knows its own choices only', () => {
    for (const f of resultFilters) expect(isResultFilter(f.value)).toBe(true);
    expect(isResultFilter('error')).toBe(false);
    expect(resultFilters.map((f) => f.label)).toEqual([
      'All',
      'Done',
      'Errors & quarantined',
      'No rule matched',
      'Undone',
      'Dry run',
    ]);
  });

  it('finds the entries an undone line reversed', () => {
    const done = entry('done');
    const back = entry('undone', { undoes: done.id });
    expect([...undoneIds([back, done])]).toEqual([done.id]);
  });

  it('offers configured accounts first, then ones seen only in history', () => {
    const old = entry('done', { accountId: 'gone' });
    expect(accountChoices(['a', 'b'], [entry('done', { accountId: 'b' }), old])).toEqual([
      'a',
      'b',
      'gone',
    ]);
  });
});
