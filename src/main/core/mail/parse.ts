/**
 * Turns what IMAP gives us about one message into the MessageView the classifier sees
 * (DESIGN.md §2 "Parsing"): mailparser on a bounded prefix of the source, inside a time limit,
 * never throwing. Real mail is broken in every way, so every step has a fallback:
 *
 * - Header fields (headers map, subject, from/to/cc, date, Message-ID) come from our own cheap,
 *   synchronous read of the header block — it does not depend on the body parse succeeding, so
 *   a message whose MIME body defeats mailparser (or times out) still has its List-Id, From,
 *   Subject for the rules. The IMAP ENVELOPE fills any field the header block does not give.
 * - Body text comes from mailparser (text/plain, or text derived from HTML), capped.
 * - Attachment facts come from BODYSTRUCTURE (complete even when the prefix is cut), or from
 *   the parse when only raw bytes are known (parseRaw).
 */
import { Readable } from 'node:stream';
import type {
  FetchMessageObject,
  FetchQueryObject,
  MessageAddressObject,
  MessageEnvelopeObject,
  MessageStructureObject,
} from 'imapflow';
import { MailParser, parseAddressHeader } from 'mailparser';
import type {
  AttachmentStream,
  MailParserOptions,
  MessageText,
  StructuredHeader,
} from 'mailparser';
import { FULL_FETCH, type FetchPlan } from './fetch-plan.js';
import type { Address, AttachmentFact, MessageView } from './message-view.js';

/** Bytes of the source fetched for classification (`BODY.PEEK[]<0.65536>`). */
export const FETCH_PREFIX_BYTES = 64 * 1024;
/** Default time limit for one mailparser run. */
export const DEFAULT_PARSE_TIMEOUT_MS = 2_000;
/** Default cap on MessageView.text, in UTF-16 code units. */
export const DEFAULT_TEXT_CAP = 32 * 1024;

/** The header block is read from at most this many bytes (mailparser's own limit is 1 MB). */
const MAX_HEADER_BYTES = 256 * 1024;
/** Raw bytes are handed to mailparser in pieces of this size (its internal chunk size). */
const FEED_CHUNK_BYTES = 64 * 1024;
/**
 * HTML longer than this (decoded characters) is not given to html-to-text; we strip tags from
 * its start instead. The 64 KiB prefix never gets near it; it bounds parseRaw on huge mail.
 */
const HTML_TO_TEXT_MAX_CHARS = 512 * 1024;
/** Guards against absurd BODYSTRUCTUREs (part bombs); mailparser's maxChildNodes is 1000 too. */
const MAX_ATTACHMENT_FACTS = 1000;
const MAX_STRUCTURE_DEPTH = 64;

export interface ParseOptions {
  /** Time limit for the body parse; default 2 s. On expiry the view has `parseError` set. */
  parseTimeoutMs?: number;
  /** Cap on `text`, in characters; default 32 KiB. */
  textCap?: number;
}

export interface RawParseOptions extends ParseOptions {
  /** UID to put in the view (default 0: not from a mailbox). */
  uid?: number;
  flags?: string[];
}

/**
 * What the watcher asks imapflow's fetch() for, per message. When the plan needs no body: the
 * header fields it names (`BODY.PEEK[HEADER.FIELDS (…)]`), BODYSTRUCTURE only for attachment
 * rules, and no ENVELOPE (the fields are parsed from the header lines, as in the full view):
 * the source prefix, its parse and the ENVELOPE were the costly part (see fetch-plan.ts).
 */
export function fetchQuery(
  prefixBytes: number = FETCH_PREFIX_BYTES,
  plan: FetchPlan = FULL_FETCH,
): FetchQueryObject {
  const facts = { uid: true, flags: true, size: true, internalDate: true };
  if (!plan.body)
    return {
      ...facts,
      ...(plan.attachments ? { bodyStructure: true } : {}),
      headers: plan.headers === 'all' ? true : plan.headers,
    };
  return {
    ...facts,
    envelope: true,
    bodyStructure: true,
    // imapflow turns this into BODY.PEEK[]<0.N> (partial fetch, \Seen is not set).
    source: { start: 0, maxLength: prefixBytes },
  };
}

/**
 * MessageView from an imapflow fetch result (fetched with fetchQuery()). Never throws and never
 * waits longer than about `parseTimeoutMs`.
 */
export async function buildMessageView(
  msg: FetchMessageObject,
  opts: ParseOptions = {},
): Promise<MessageView> {
  // Fetched with a plan that needs no body: the header block alone, never parsed as a body.
  const headerOnly = !msg.source && msg.headers !== undefined;
  const source = headerOnly ? msg.headers : msg.source;
  const sourceLength = source?.length ?? 0;
  let structureAttachments: AttachmentFact[] | undefined;
  if (msg.bodyStructure) {
    try {
      structureAttachments = attachmentsFromStructure(msg.bodyStructure);
    } catch {
      structureAttachments = undefined; // fall back to what the parse finds
    }
  }
  return composeView(
    {
      uid: msg.uid,
      size: msg.size ?? sourceLength,
      flags: msg.flags ? [...msg.flags] : [],
      source,
      envelope: msg.envelope,
      structureAttachments: headerOnly ? (structureAttachments ?? []) : structureAttachments,
      truncated: headerOnly
        ? true
        : msg.size !== undefined
          ? msg.size > sourceLength
          : sourceLength >= FETCH_PREFIX_BYTES,
      headerOnly,
    },
    opts,
  );
}

/**
 * MessageView from raw RFC 5322 bytes alone (tests, preview tooling): size is the buffer's length,
 * attachments come from the parse, nothing is truncated. Never throws.
 */
export async function parseRaw(raw: Buffer, opts: RawParseOptions = {}): Promise<MessageView> {
  return composeView(
    {
      uid: opts.uid ?? 0,
      size: raw.length,
      flags: opts.flags ?? [],
      source: raw,
      envelope: undefined,
      structureAttachments: undefined,
      truncated: false,
      headerOnly: false,
    },
    opts,
  );
}

// ---------------------------------------------------------------------------------------------
// Composition

interface ViewInput {
  uid: number;
  size: number;
  flags: string[];
  source: Buffer | undefined;
  envelope: MessageEnvelopeObject | undefined;
  /** From BODYSTRUCTURE; undefined → use the attachments the parse found. */
  structureAttachments: AttachmentFact[] | undefined;
  truncated: boolean;
  /** `source` is the header block only: no body parse (text stays empty). */
  headerOnly: boolean;
}

/** The "never throws" guarantee does not rest on every helper below being bug-free. */
async function composeView(input: ViewInput, opts: ParseOptions): Promise<MessageView> {
  try {
    return await composeViewUnguarded(input, opts);
  } catch (err) {
    return {
      uid: input.uid,
      messageId: undefined,
      from: orEnvelope([], input.envelope?.from),
      to: orEnvelope([], input.envelope?.to),
      cc: orEnvelope([], input.envelope?.cc),
      subject: input.envelope?.subject ?? '',
      date: undefined,
      size: input.size,
      flags: input.flags,
      headers: new Map(),
      text: '',
      attachments: input.structureAttachments ?? [],
      truncated: input.truncated,
      parseError: `unexpected: ${errorMessage(err)}`,
    };
  }
}

async function composeViewUnguarded(input: ViewInput, opts: ParseOptions): Promise<MessageView> {
  const timeoutMs = opts.parseTimeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  const textCap = opts.textCap ?? DEFAULT_TEXT_CAP;
  const { source, envelope } = input;

  let rawHeaders: RawHeader[] = [];
  let parseError: string | undefined;
  let body: BodyParse | undefined;

  if (!source) {
    parseError = 'no message source fetched';
  } else if (source.length === 0) {
    parseError = 'empty message source';
  } else {
    try {
      rawHeaders = readHeaderBlock(source);
    } catch (err) {
      // Not expected (plain string work), but one bad message must never stop the queue.
      parseError = `header block: ${errorMessage(err)}`;
    }
    if (!input.headerOnly) {
      try {
        body = await parseBody(source, timeoutMs);
      } catch (err) {
        parseError = errorMessage(err);
      }
    }
  }

  const rawByKey = groupByKey(rawHeaders);
  const headers = new Map<string, string[]>();
  for (const [key, values] of rawByKey) headers.set(key, values.map(decodeWords));

  const first = (key: string): string | undefined => headers.get(key)?.[0];

  const view: MessageView = {
    uid: input.uid,
    messageId: messageIdOf(first('message-id')) ?? messageIdOf(envelope?.messageId),
    from: orEnvelope(addressesOf(rawByKey.get('from')?.slice(0, 1)), envelope?.from),
    to: [],
    cc: [],
    subject: first('subject') ?? envelope?.subject ?? '',
    date: dateOf(first('date')) ?? dateOf(envelope?.date),
    size: input.size,
    flags: input.flags,
    headers,
    text: capText(body?.text ?? '', textCap),
    attachments: input.structureAttachments ?? body?.attachments ?? [],
    truncated: input.truncated,
  };
  // To and Cc are parsed when first read: only a `to`/`cc` rule reads them, and address parsing
  // was half of building a view (bench/README.md, backlog).
  lazyAddresses(view, 'to', () => orEnvelope(addressesOf(rawByKey.get('to')), envelope?.to));
  lazyAddresses(view, 'cc', () => orEnvelope(addressesOf(rawByKey.get('cc')), envelope?.cc));
  if (parseError !== undefined) view.parseError = parseError;
  return view;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Header block

interface RawHeader {
  /** Lower-case field name. */
  key: string;
  /** Unfolded value, 8-bit bytes decoded to a string, RFC 2047 encoded words NOT yet decoded. */
  value: string;
}

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Reads the top-level header block: up to the first empty line (or the end of what we have,
 * which covers a missing separator and a prefix cut inside the headers, like mailsplit does).
 * Skips a leading mbox "From " line and lines that are not `name: value` or a continuation.
 */
function readHeaderBlock(raw: Buffer): RawHeader[] {
  // latin1: one char per byte, so 8-bit bytes survive until decodeHeaderBytes.
  const text = raw.toString('latin1', 0, Math.min(raw.length, MAX_HEADER_BYTES));
  let end: number;
  if (/^\r?\n/.test(text)) {
    end = 0; // starts with the separator: no headers at all
  } else {
    const sep = /\r?\n\r?\n/.exec(text);
    end = sep ? sep.index : text.length;
  }
  const lines = text.slice(0, end).split(/\r?\n/);

  const fields: { key: string; parts: string[] }[] = [];
  let current: { key: string; parts: string[] } | undefined;
  lines.forEach((line, i) => {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      current?.parts.push(line); // continuation (dropped when it follows a junk line)
      return;
    }
    current = undefined;
    if (i === 0 && /^>?From /.test(line)) return; // mbox envelope line
    const colon = line.indexOf(':');
    if (colon <= 0) return;
    const name = line.slice(0, colon).trimEnd(); // "Subject :" is obsolete but legal syntax
    if (!FIELD_NAME.test(name)) return;
    current = { key: name.toLowerCase(), parts: [line.slice(colon + 1)] };
    fields.push(current);
  });

  // Unfold like libmime: a line break and the continuation's indent become one space. Only
  // [ \t] is trimmed while still bytes: String#trim would eat 0xA0 (the tail of UTF-8 "à").
  const unfolded = fields.map(({ key, parts }) => ({
    key,
    latin1: parts
      .map((p, i) => (i ? ' ' + p.replace(/^[ \t]+/, '') : p))
      .join('')
      .replace(/^[ \t]+|[ \t]+$/g, ''),
  }));
  let hint: { charset: Charset | undefined } | undefined; // looked for on the first 8-bit value
  return unfolded.map(({ key, latin1 }) => {
    if (!HIGH_BYTE.test(latin1)) return { key, value: latin1 };
    hint ??= { charset: legacyCharsetHint(unfolded, text) };
    return { key, value: decodeHeaderBytes(latin1, hint.charset).trim() };
  });
}

function groupByKey(list: RawHeader[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, value } of list) {
    const values = map.get(key);
    if (values) values.push(value);
    else map.set(key, [value]);
  }
  return map;
}

const HIGH_BYTE = /[\x80-\xff]/;

/** A byte decoder: a WHATWG TextDecoder, or our own Windows-1252 (see decodeWindows1252). */
type Charset = (bytes: Uint8Array) => string;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Raw 8-bit header bytes (a latin1 string): UTF-8 when they are valid UTF-8, else the legacy
 * charset the message declares (mail with raw Big5/GB2312/EUC-KR headers usually says so in
 * its Content-Type), else Windows-1252. mailparser decodes them as UTF-8 with U+FFFD instead.
 */
function decodeHeaderBytes(latin1: string, hint: Charset | undefined): string {
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return (hint ?? decodeWindows1252)(bytes);
  }
}

/**
 * The charset the message declares: the top-level Content-Type's, else the first `charset=`
 * in what we have of the source (a multipart's first text part). Only a legacy single- or
 * multi-byte charset is useful here; UTF-8/UTF-16 or an unknown label give no hint.
 */
function legacyCharsetHint(
  fields: { key: string; latin1: string }[],
  source: string,
): Charset | undefined {
  const charsetParam = /charset\s*=\s*["']?([A-Za-z0-9_.:+-]+)/i;
  const contentType = fields.find((f) => f.key === 'content-type')?.latin1 ?? '';
  const label = charsetParam.exec(contentType)?.[1] ?? charsetParam.exec(source)?.[1];
  if (!label) return undefined;
  let encoding: string;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    return undefined; // a label WHATWG does not know
  }
  if (encoding.startsWith('utf-') || encoding === 'replacement') return undefined;
  return charsetFor(label.toLowerCase());
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g;
/** Stateful encodings: each encoded word is self-contained (joined bytes would decode to U+FFFD). */
const STATEFUL_CHARSET = /^(?:cs)?iso-?2022/;

/**
 * Decodes RFC 2047 encoded words. Whitespace between adjacent encoded words is dropped, and the
 * bytes of adjacent words in the same charset are joined before decoding, so a multi-byte
 * character split across two words survives. Unknown charsets decode as UTF-8 (with U+FFFD for
 * invalid bytes), as mailparser does.
 */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let pending: { charset: string; chunks: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending) out += decodeIn(Buffer.concat(pending.chunks), pending.charset);
    pending = undefined;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const [word, rawCharset = '', encoding = '', payload = ''] = m;
    const between = value.slice(last, m.index);
    const charset = (rawCharset.split('*')[0] ?? '').toLowerCase(); // RFC 2231 "utf-8*en"
    const bytes =
      encoding === 'B' || encoding === 'b' ? Buffer.from(payload, 'base64') : decodeQ(payload);
    const adjacent = pending !== undefined && /^\s*$/.test(between);
    if (adjacent && pending?.charset === charset && !STATEFUL_CHARSET.test(charset)) {
      pending.chunks.push(bytes);
    } else {
      flush();
      if (!adjacent) out += between;
      pending = { charset, chunks: [bytes] };
    }
    last = m.index + word.length;
  }
  flush();
  return out + value.slice(last);
}

function decodeQ(payload: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 0x5f /* _ */) {
      bytes.push(0x20);
    } else if (c === 0x3d /* = */ && /^[0-9a-fA-F]{2}$/.test(payload.slice(i + 1, i + 3))) {
      bytes.push(parseInt(payload.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes);
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Lenient: Charset = (bytes) => utf8Decoder.decode(bytes);
const charsets = new Map<string, Charset | undefined>();

/** Decoder for a charset label; undefined when neither WHATWG nor we know the label. */
function charsetFor(label: string): Charset | undefined {
  if (charsets.has(label)) return charsets.get(label);
  let charset: Charset | undefined;
  try {
    const decoder = new TextDecoder(label); // WHATWG labels: iso-8859-*, windows-*, gbk, big5, …
    if (decoder.encoding === 'windows-1252') charset = decodeWindows1252;
    else if (decoder.encoding === 'utf-8') charset = utf8Lenient;
    else if (decoder.encoding !== 'replacement') charset = (bytes) => decoder.decode(bytes);
  } catch {
    charset = undefined; // x-unknown, utf-7, …
  }
  if (charsets.size < 256) charsets.set(label, charset);
  return charset;
}

function decodeIn(bytes: Buffer, label: string): string {
  return (charsetFor(label) ?? utf8Lenient)(bytes);
}

/** 0x80–0x9F of Windows-1252 (undefined bytes keep their C1 code point). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Windows-1252 (what WHATWG means by iso-8859-1, us-ascii and latin1). Node 20's TextDecoder
 * decodes that label as plain ISO-8859-1, turning 0x85 "…" into an invisible U+0085.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

function messageIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = /<([^<>]*)>/.exec(value);
  const id = (bracketed ? bracketed[1] : value)?.trim();
  return id ? id : undefined;
}

function dateOf(value: Date | string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Replace view[key] by an enumerable getter that parses once, on first read. */
function lazyAddresses(view: MessageView, key: 'to' | 'cc', parse: () => Address[]): void {
  let value: Address[] | undefined;
  Object.defineProperty(view, key, {
    enumerable: true,
    configurable: true,
    get: () => (value ??= parse()),
    set: (v: Address[]) => {
      value = v;
    },
  });
}

// The shapes nearly every From has: `Name <a@b>`, `"Name" <a@b>`, `a@b`.
const ADDR_ATOM = String.raw`[^<>()\s"\\,;:@\[\]]+`;
const NAME_ADDR = new RegExp(
  String.raw`^\s*(?:"([^"\\]*)"|([^"<>()\\,;:@\[\]]*?))\s*<(${ADDR_ATOM}@${ADDR_ATOM})>\s*$`,
);
const BARE_ADDR = new RegExp(String.raw`^\s*(${ADDR_ATOM}@${ADDR_ATOM})\s*$`);

/**
 * One address in a simple shape, read without mailparser's address parser (which costs ~30 µs a
 * message, most of building a header-only view); undefined for anything else — groups,
 * comments, several addresses, escapes, encoded words in the address, a name that holds an
 * address or runs of spaces — which the full parser handles. Gives what the full parser gives:
 * test/unit/mail/simple-address.test.ts checks it on every From of the SpamAssassin corpus.
 */
export function simpleAddress(raw: string): Address | undefined {
  const m = NAME_ADDR.exec(raw);
  if (m) {
    const name = (m[1] ?? m[2] ?? '').trim();
    const address = m[3]!;
    if (name.includes('@') || /\s\s|\t/.test(name) || address.includes('=?')) return undefined;
    return { name: decodeWords(name), address };
  }
  const bare = BARE_ADDR.exec(raw);
  if (bare && !bare[1]!.includes('=?')) return { name: '', address: bare[1]! };
  return undefined;
}

/** Parses raw (not word-decoded) address header values; groups are flattened. */
function addressesOf(values: string[] | undefined): Address[] {
  if (!values?.length) return [];
  const simple = values.length === 1 ? simpleAddress(values[0]!) : undefined;
  if (simple) return [simple];
  try {
    return parseAddressHeader(values, { flatten: true })
      .value.map((a) => ({ name: a.name ?? '', address: a.address ?? '' }))
      .filter((a) => a.name !== '' || a.address !== '');
  } catch {
    return [];
  }
}

function orEnvelope(parsed: Address[], envelope: MessageAddressObject[] | undefined): Address[] {
  if (parsed.length || !envelope) return parsed;
  return envelope
    .map((a) => ({ name: a.name ?? '', address: a.address ?? '' }))
    .filter((a) => a.name !== '' || a.address !== '');
}

// ---------------------------------------------------------------------------------------------
// Attachments from BODYSTRUCTURE

/**
 * An attachment is a non-multipart part with `Content-Disposition: attachment` or a file name
 * (disposition `filename` or Content-Type `name`). An attached message/rfc822 is one fact (we do
 * not count what it contains); an inline one is walked into.
 */
function isAttachmentPart(disposition: string | undefined, filename: string | undefined): boolean {
  return disposition === 'attachment' || (filename !== undefined && filename !== '');
}

function attachmentsFromStructure(root: MessageStructureObject): AttachmentFact[] {
  const out: AttachmentFact[] = [];
  const walk = (node: MessageStructureObject, depth: number): void => {
    if (depth > MAX_STRUCTURE_DEPTH || out.length >= MAX_ATTACHMENT_FACTS) return;
    const type = (node.type || 'application/octet-stream').toLowerCase();
    const filename = node.dispositionParameters?.filename ?? node.parameters?.name;
    if (!type.startsWith('multipart/') && isAttachmentPart(node.disposition, filename)) {
      out.push({ filename: filename || undefined, contentType: type, size: decodedSize(node) });
      return;
    }
    for (const child of node.childNodes ?? []) walk(child, depth + 1);
  };
  walk(root, 0);
  return out;
}

/**
 * BODYSTRUCTURE gives the size in its transfer encoding; for base64 we report ~3/4 of it so the
 * figure means the same as parseRaw's (decoded bytes). Approximate: line breaks are counted.
 */
function decodedSize(node: MessageStructureObject): number {
  const size = node.size ?? 0;
  return node.encoding === 'base64' ? Math.floor((size * 3) / 4) : size;
}

// ---------------------------------------------------------------------------------------------
// Body parse (mailparser) with a time limit

interface BodyParse {
  text: string;
  attachments: AttachmentFact[];
}

const PARSER_OPTIONS: MailParserOptions = {
  // HTML-only mail (most newsletters) needs text derived from its HTML. mailparser converts only
  // when there is no text/plain alternative, and only up to HTML_TO_TEXT_MAX_CHARS.
  skipHtmlToText: false,
  maxHtmlLengthToParse: HTML_TO_TEXT_MAX_CHARS,
  // We never use textAsHtml (linkify is the costly part) nor cid: rewriting.
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  // Attachments are counted, never hashed nor buffered.
  checksumAlgo: false,
};

/**
 * Runs mailparser's streaming MailParser (not simpleParser, which buffers every attachment and
 * cannot be stopped). Attachment contents are only counted, never kept.
 *
 * Time limit: a timer races the parse. On expiry the promise rejects, the input stream is
 * destroyed and the parser destroyed, so no further input is handed over: the work that can
 * still run afterwards is bounded by what was already fed (at most a couple of 64 KiB chunks);
 * with no timers or sockets left, the parser is garbage once that drains. This cannot interrupt
 * one synchronous CPU-bound step inside mailparser (the timer fires only when the event loop gets
 * back control); such steps are bounded by the input size (a 64 KiB prefix in the watcher),
 * maxHtmlLengthToParse and mailparser's maxChildNodes/maxHeadSize limits. If that ever proves
 * insufficient, the next step is a worker thread that can be terminated.
 */
function parseBody(raw: Buffer, timeoutMs: number): Promise<BodyParse> {
  return new Promise<BodyParse>((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    const input = Readable.from(chunksOf(raw, FEED_CHUNK_BYTES), { objectMode: false });
    let text = '';
    let html = '';
    const attachments: AttachmentFact[] = [];
    let settled = false;

    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        input.unpipe(parser);
        input.destroy();
        parser.destroy();
        reject(err);
      } else {
        resolve({ text: text || (html ? htmlToRoughText(html) : ''), attachments });
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`parse timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );

    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        text = data.text ?? '';
        html = data.html ?? '';
        return;
      }
      countAttachment(data, attachments, finish);
    });
    parser.on('error', (err: Error) => finish(err)); // stays attached: late errors are swallowed
    parser.on('end', () => finish(undefined));
    input.on('error', (err: Error) => finish(err));
    input.pipe(parser);
  });
}

function* chunksOf(raw: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += size) yield raw.subarray(i, i + size);
}

function countAttachment(
  att: AttachmentStream,
  out: AttachmentFact[],
  fail: (err: Error) => void,
): void {
  let size = 0;
  att.content.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  att.content.on('error', (err: Error) => fail(err));
  att.content.on('end', () => {
    // The declared type, as BODYSTRUCTURE reports it (mailparser guesses from the file name
    // for application/octet-stream).
    const declared = att.headers.get('content-type') as StructuredHeader | undefined;
    const contentType = (declared?.value || att.contentType || 'application/octet-stream')
      .trim()
      .toLowerCase();
    if (
      isAttachmentPart(att.contentDisposition, att.filename) &&
      out.length < MAX_ATTACHMENT_FACTS
    ) {
      out.push({ filename: att.filename || undefined, contentType, size });
    }
    att.release?.();
  });
}

/** Last resort when mailparser would not convert the HTML (too long): strip tags from its start. */
function htmlToRoughText(html: string): string {
  return html
    .slice(0, HTML_TO_TEXT_MAX_CHARS)
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d{1,6});/g, (_m, n: string) => safeCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_m, n: string) => safeCodePoint(parseInt(n, 16)))
    .replace(/&amp;/gi, '&')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : ' ';
}

/** Caps text without leaving half a surrogate pair at the end. */
function capText(text: string, cap: number): string {
  if (text.length <= cap) return text;
  let cut = Math.max(0, cap);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, cut);
}
