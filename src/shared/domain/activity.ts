import { z } from 'zod';

/** What it takes to reverse one executed action. */
export const UndoStep = z.discriminatedUnion('type', [
  /** The message was moved: move it back from `to` (found by uid when known, else Message-ID). */
  z.object({
    type: z.literal('moved'),
    from: z.string(),
    to: z.string(),
    uidValidity: z.string().optional(),
    uid: z.number().optional(),
  }),
  /** A copy was made in `to`: delete that copy. */
  z.object({
    type: z.literal('copied'),
    to: z.string(),
    uidValidity: z.string().optional(),
    uid: z.number().optional(),
  }),
  z.object({ type: z.literal('flags-added'), flags: z.array(z.string()) }),
  z.object({ type: z.literal('flags-removed'), flags: z.array(z.string()) }),
  z.object({ type: z.literal('labels-added'), labels: z.array(z.string()) }),
]);
export type UndoStep = z.infer<typeof UndoStep>;

export const ActivityResult = z.enum([
  'done',
  'no-match',
  'dry-run',
  'error',
  'quarantined',
  'undone',
]);
export type ActivityResult = z.infer<typeof ActivityResult>;

export const ActivityEntry = z.object({
  /** `${accountId}/${mailbox}/${uidValidity}/${uid}`: one message, one identity. */
  key: z.string(),
  /** Unique per line (a message can have an error line and later a done line). */
  id: z.string(),
  at: z.number(),
  accountId: z.string(),
  mailbox: z.string(),
  uidValidity: z.string(),
  uid: z.number(),
  messageId: z.string().optional(),
  from: z.string(),
  subject: z.string(),
  rules: z.array(z.object({ id: z.string(), name: z.string() })),
  category: z.string().optional(),
  /** The plan in words: "move → Lists/Debian; +\\Seen". */
  actions: z.string(),
  result: ActivityResult,
  error: z.string().optional(),
  /**
   * Why the classifier gave no category or what it said, when it was asked
   * ("classifier: timed out after 60 s", "classifier unavailable: …"). Not an error: the
   * message was left as it was, on purpose (the LLM path fails open).
   */
  note: z.string().optional(),
  undo: z.array(UndoStep).default([]),
  /** On an `undone` line: the id of the entry it reversed. */
  undoes: z.string().optional(),
  /** Set when the entry was finished after a restart (the journal had it in flight). */
  recovered: z.boolean().optional(),
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;

export function messageKey(
  accountId: string,
  mailbox: string,
  uidValidity: string,
  uid: number,
): string {
  return `${accountId}/${mailbox}/${uidValidity}/${uid}`;
}

/** Does an entry match a search? Case-insensitive substring over what a person sees of it. */
export function activityMatches(e: ActivityEntry, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (needle === '') return true;
  return [
    e.from,
    e.subject,
    e.actions,
    e.accountId,
    e.mailbox,
    e.result,
    e.category ?? '',
    e.error ?? '',
    e.note ?? '',
    ...e.rules.map((r) => r.name),
  ].some((t) => t.toLowerCase().includes(needle));
}
