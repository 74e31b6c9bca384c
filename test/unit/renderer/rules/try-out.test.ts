import { describe, expect, it } from 'vitest';
import type { ApplyProgress, PreviewRow } from '../../../../src/shared/contract.js';
import {
  applySummary,
  previewAction,
  previewSummary,
} from '../../../../src/renderer/rules/try-out.js';

const row = (uid: number, matched: boolean, extra: Partial<PreviewRow> = {}): PreviewRow => ({
  uid,
  from: 'a@example.org',
  subject: `s${uid}`,
  matched: matched ? [{ id: 'r', name: 'r' }] : [],
  actions: matched ? 'move → A' : 'nothing to do',
  ...extra,
});

const progress = (p: Partial<ApplyProgress>): ApplyProgress => ({
  jobId: 'j',
  accountId: 'a',
  mailbox: 'INBOX',
  state: 'finished',
  total: 10,
  done: 10,
  acted: 3,
  errors: [],
  ...p,
});

describe('preview and apply in words', () => {
  it('counts the matches', () => {
    expect(previewSummary([row(1, true), row(2, false)], 'INBOX')).toBe(
      '1 of 2 messages in INBOX matches.',
    );
    expect(previewSummary([row(1, true), row(2, true)], 'INBOX')).toBe(
      '2 of 2 messages in INBOX match.',
    );
    expect(previewSummary([row(1, false, { error: 'bad' })], 'X')).toBe(
      '0 of 1 message in X match (1 could not be read).',
    );
    expect(previewSummary([], 'Empty')).toBe('Empty is empty: nothing to preview.');
  });

  it('says what a row would do, category included', () => {
    expect(previewAction(row(1, true))).toBe('move → A');
    expect(previewAction(row(1, true, { actions: 'nothing to do', category: 'c' }))).toBe(
      'category c',
    );
    expect(previewAction(row(1, true, { category: 'c' }))).toBe('move → A; category c');
  });

  it('sums up a finished, cancelled or failed run', () => {
    expect(applySummary(progress({}))).toBe('Done: 3 of 10 messages in INBOX changed.');
    expect(applySummary(progress({ state: 'cancelled', done: 4, acted: 2 }))).toBe(
      'Cancelled after 4 of 10 messages: 2 changed, the other 6 left as they were.',
    );
    expect(
      applySummary(
        progress({
          state: 'failed',
          done: 1,
          acted: 0,
          error: 'the mailbox is gone',
          errors: [{ uid: 1, error: 'x' }],
        }),
      ),
    ).toBe(
      'Stopped after 1 of 10 messages (0 changed): the mailbox is gone. 1 could not be changed (see below).',
    );
  });
});
