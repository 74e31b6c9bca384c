import type { Category, Rule } from '../../../shared/domain/rule.js';

/**
 * What of each message the classifier can look at, so the watcher fetches no more than that.
 *
 * Why (bench/README.md, backlog): parsing each message's 64 KiB prefix with mailparser was most
 * of the time a 5,000-message backlog took, and rules on list headers never read the body. With
 * no body to read, the watcher fetches `BODY.PEEK[HEADER.FIELDS (…)]` with just the fields the
 * rules name plus those the activity log and the ledger need — no source, no ENVELOPE.
 */
export interface FetchPlan {
  /** Body text: a `body` condition, or a categorizer (an LLM reads the text) may be asked. */
  body: boolean;
  /** Attachment facts (BODYSTRUCTURE): has-attachment, attachment-name, attachment-type. */
  attachments: boolean;
  /**
   * Header fields (lower case) to fetch when the body is not needed, always including
   * {@link ALWAYS_FETCHED_HEADERS}; 'all' for the whole header block (a rule names a header
   * that cannot be sent as an IMAP atom).
   */
  headers: string[] | 'all';
}

/** A header name that can go into HEADER.FIELDS as an atom (imapflow sends it unquoted). */
const ATOM_HEADER = /^[A-Za-z0-9!#$&'+.^_`|~-]+$/;

/**
 * Fields every view needs: Message-ID (ledger, activity), From and Subject (activity), Date,
 * and Content-Type (the charset hint for raw 8-bit header bytes, see parse.ts).
 */
export const ALWAYS_FETCHED_HEADERS: readonly string[] = Object.freeze([
  'content-type',
  'date',
  'from',
  'message-id',
  'subject',
]);

/** Everything: the safe default when nothing is known about the classifier. */
export const FULL_FETCH: Readonly<FetchPlan> = Object.freeze({
  body: true,
  attachments: true,
  headers: 'all',
});

/**
 * The fetch plan for a classifier made of these rules and categories. Any category means the
 * categorizer may be asked, and it reads the body: everything is fetched then. Disabled rules
 * read nothing.
 */
export function fetchPlanFor(rules: readonly Rule[], categories: readonly Category[]): FetchPlan {
  if (categories.length > 0) return { ...FULL_FETCH };
  let body = false;
  let attachments = false;
  const headers = new Set(ALWAYS_FETCHED_HEADERS);
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    for (const c of rule.conditions) {
      switch (c.field) {
        case 'body':
          body = true;
          break;
        case 'has-attachment':
        case 'attachment-name':
        case 'attachment-type':
          attachments = true;
          break;
        case 'from':
        case 'to':
        case 'cc':
        case 'subject':
        case 'list-id':
          headers.add(c.field);
          break;
        case 'header':
          // A header condition without a name never matches (rules/evaluate.ts): nothing to read.
          if (c.header) headers.add(c.header.toLowerCase());
          break;
        case 'size':
          break; // RFC822.SIZE is always fetched
        default: {
          // A field added to the schema but not here: fetch everything rather than guess.
          const unknown: never = c.field;
          void unknown;
          return { ...FULL_FETCH };
        }
      }
    }
  }
  const names = [...headers].sort();
  return { body, attachments, headers: names.every((h) => ATOM_HEADER.test(h)) ? names : 'all' };
}
