// Real mail for tests: the SpamAssassin public corpus (a devDependency) and the shared corpora
// that exist in this workplace and in CI but may be absent elsewhere (tests then skip).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file lives in test/helpers/). */
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SPAM_ASSASSIN_DATA = path.join(
  PROJECT_ROOT,
  'node_modules',
  '@stdlib',
  'datasets-spam-assassin',
  'data',
);

/** The groups of the SpamAssassin corpus, as directory names under the package's data/. */
export const SPAM_ASSASSIN_GROUPS = [
  'easy-ham-1',
  'easy-ham-2',
  'hard-ham-1',
  'spam-1',
  'spam-2',
] as const;

/** One message of the SpamAssassin corpus. */
export interface CorpusMessage {
  /** `<group>/<file name without .txt>`, e.g. `spam-1/00001.7848dde101aa985090474a91ec93fcf0`. */
  id: string;
  group: string;
  /** The RFC 5322 message as stored (LF line endings), without the mbox `From ` line. */
  raw: Buffer;
}

/** Options for {@link spamAssassinMessages}. */
export interface SpamAssassinOptions {
  /** Groups to read, in this order; defaults to all of {@link SPAM_ASSASSIN_GROUPS}. */
  groups?: readonly string[];
  /** Stop after this many messages in total. */
  limit?: number;
}

/**
 * Read raw messages of the SpamAssassin corpus, in a deterministic order (groups as given,
 * files by name). Each group directory holds NNNNN.<md5>.txt (the raw message) next to a
 * .json copy; only the .txt files are read.
 */
export function spamAssassinMessages(opts: SpamAssassinOptions = {}): CorpusMessage[] {
  const groups = opts.groups ?? SPAM_ASSASSIN_GROUPS;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const out: CorpusMessage[] = [];
  for (const group of groups) {
    const dir = path.join(SPAM_ASSASSIN_DATA, group);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort();
    for (const file of files) {
      if (out.length >= limit) return out;
      out.push({
        id: `${group}/${file.slice(0, -4)}`,
        group,
        raw: stripMboxFromLine(readFileSync(path.join(dir, file))),
      });
    }
  }
  return out;
}

/**
 * Most corpus files start with the mbox separator `From addr date`, which is not a header:
 * delivered as is, the server would take it as the first (malformed) header line.
 */
function stripMboxFromLine(buf: Buffer): Buffer {
  if (buf.subarray(0, 5).toString('latin1') !== 'From ') return buf;
  const eol = buf.indexOf(0x0a);
  return eol === -1 ? buf : buf.subarray(eol + 1);
}

/** Absolute path of ../shared/corpora relative to the project root, or undefined if absent. */
export function sharedCorporaDir(): string | undefined {
  const dir = path.resolve(PROJECT_ROOT, '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : undefined;
}

/** Absolute path of ../shared/corpora/tricky-mime (with its manifest.tsv), or undefined if absent. */
export function trickyMimeDir(): string | undefined {
  const base = sharedCorporaDir();
  if (base === undefined) return undefined;
  const dir = path.join(base, 'tricky-mime');
  return existsSync(dir) ? dir : undefined;
}

/** Convert bare LF line endings to CRLF (existing CRLF is kept), as IMAP APPEND requires. */
export function toCrlf(buf: Buffer | string): Buffer {
  const bytes = typeof buf === 'string' ? Buffer.from(buf, 'utf8') : buf;
  if (!bytes.includes(0x0a)) return bytes;
  // latin1 maps every byte to one char and back, so 8-bit bodies survive untouched.
  return Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
