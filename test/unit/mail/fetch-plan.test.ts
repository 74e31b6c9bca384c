import type { FetchMessageObject } from 'imapflow';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_FETCHED_HEADERS,
  FULL_FETCH,
  fetchPlanFor,
} from '../../../src/main/core/mail/fetch-plan.js';
import { buildMessageView, fetchQuery, parseRaw } from '../../../src/main/core/mail/parse.js';
import { evaluateRules } from '../../../src/main/core/rules/evaluate.js';
import { Category, Rule, type RuleInput } from '../../../src/shared/domain/rule.js';

const rule = (conditions: RuleInput['conditions'], extra: Partial<RuleInput> = {}): Rule =>
  Rule.parse({
    id: 'r',
    name: 'r',
    conditions,
    actions: [{ type: 'move', folder: 'F' }],
    ...extra,
  });

describe('fetchPlanFor', () => {
  it('header rules: no body, no structure, just the named fields and the ones always needed', () => {
    const plan = fetchPlanFor(
      [
        rule([{ field: 'list-id', op: 'contains', value: 'x' }]),
        rule([
          { field: 'header', header: 'X-Mailer', op: 'contains', value: 'y' },
          { field: 'to', op: 'contains', value: 'z' },
          { field: 'size', op: 'greater-than', value: 10 },
        ]),
      ],
      [],
    );
    expect(plan).toEqual({
      body: false,
      attachments: false,
      headers: [...new Set([...ALWAYS_FETCHED_HEADERS, 'list-id', 'to', 'x-mailer'])].sort(),
    });
  });

  it('a body rule needs the body; attachment rules need BODYSTRUCTURE; disabled rules nothing', () => {
    expect(fetchPlanFor([rule([{ field: 'body', op: 'contains', value: 'x' }])], []).body).toBe(
      true,
    );
    expect(
      fetchPlanFor([rule([{ field: 'body', op: 'contains', value: 'x', negate: true }])], []).body,
    ).toBe(true);
    const att = fetchPlanFor(
      [rule([{ field: 'attachment-name', op: 'ends-with', value: '.pdf' }])],
      [],
    );
    expect(att).toMatchObject({ body: false, attachments: true });
    expect(
      fetchPlanFor([rule([{ field: 'body', op: 'contains', value: 'x' }], { enabled: false })], [])
        .body,
    ).toBe(false);
  });

  it('any category means the categorizer may read the whole message: everything', () => {
    const plan = fetchPlanFor(
      [rule([{ field: 'list-id', op: 'contains', value: 'x' }])],
      [Category.parse({ name: 'work' })],
    );
    expect(plan).toEqual(FULL_FETCH);
  });

  it('a header name that is not an IMAP atom fetches the whole header block', () => {
    const plan = fetchPlanFor([rule([{ field: 'header', header: 'X (odd)', op: 'exists' }])], []);
    expect(plan.headers).toBe('all');
  });
});

describe('fetchQuery with a plan', () => {
  it('without a body: header fields, no source, no ENVELOPE, BODYSTRUCTURE only for attachments', () => {
    const plan = { body: false, attachments: false, headers: ['from', 'list-id'] };
    expect(fetchQuery(65536, plan)).toEqual({
      uid: true,
      flags: true,
      size: true,
      internalDate: true,
      headers: ['from', 'list-id'],
    });
    expect(fetchQuery(65536, { ...plan, attachments: true, headers: 'all' })).toEqual({
      uid: true,
      flags: true,
      size: true,
      internalDate: true,
      bodyStructure: true,
      headers: true,
    });
    expect(fetchQuery(1024, FULL_FETCH)).toEqual(fetchQuery(1024));
    expect(fetchQuery(1024).source).toEqual({ start: 0, maxLength: 1024 });
  });
});

describe('a view from the header fields alone', () => {
  const raw = Buffer.from(
    [
      'From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>',
      'To: a@example.org, b@example.org',
      'Subject: [ILUG] =?iso-8859-1?q?caf=E9?=',
      'List-Id: Irish Linux Users Group <ilug.linux.ie>',
      'Message-ID: <m1@example.org>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'remove yourself from this list',
    ].join('\r\n'),
  );
  const headerBlock = raw.subarray(0, raw.indexOf('\r\n\r\n') + 4);

  it('has the same header facts as the full parse, no body text, and is never parsed as a body', async () => {
    const row: FetchMessageObject = {
      seq: 1,
      uid: 7,
      size: raw.length,
      flags: new Set(['\\Recent']),
      headers: headerBlock,
    };
    const view = await buildMessageView(row);
    const full = await parseRaw(raw, { uid: 7 });
    expect(view.parseError).toBeUndefined();
    expect(view.messageId).toBe('m1@example.org');
    expect(view.subject).toBe('[ILUG] café');
    expect(view.from).toEqual(full.from);
    expect(view.to).toEqual(full.to);
    expect(view.headers.get('list-id')).toEqual(full.headers.get('list-id'));
    expect(view.size).toBe(raw.length);
    expect(view.text).toBe('');
    expect(view.attachments).toEqual([]);
    expect(view.truncated).toBe(true);
    // The rules that plan asked for decide the same either way.
    const rules = [rule([{ field: 'list-id', op: 'ends-with', value: 'linux.ie' }])];
    expect(evaluateRules(rules, view).matched).toEqual(evaluateRules(rules, full).matched);
  });
});
