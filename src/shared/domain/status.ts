import { z } from 'zod';

/**
 * Connection states of one watched mailbox (and, rolled up, of an account).
 *   stopped → connecting → syncing → watching ⇄ probing
 *   any → backing-off → connecting       (a drop or a failed connect; waits nextRetryAt)
 *   any → auth-failed                    (wrong password: no automatic retries until resume())
 *   any → suspended                      (the OS is asleep or the user paused)
 */
export const ConnectionState = z.enum([
  'stopped',
  'connecting',
  'syncing',
  'watching',
  'probing',
  'backing-off',
  'auth-failed',
  'suspended',
]);
export type ConnectionState = z.infer<typeof ConnectionState>;

export const LastMessage = z.object({
  at: z.number(),
  mailbox: z.string(),
  from: z.string(),
  subject: z.string(),
  summary: z.string(),
});
export type LastMessage = z.infer<typeof LastMessage>;

export const MailboxStatus = z.object({
  mailbox: z.string(),
  state: ConnectionState,
  /** Why the state was entered, in words for a person ("connection reset", "wrong password"). */
  reason: z.string(),
  /** Machine-readable cause (an error kind), stable across versions. */
  code: z.string().optional(),
  since: z.number(),
  nextRetryAt: z.number().optional(),
  attempts: z.number().int(),
});
export type MailboxStatus = z.infer<typeof MailboxStatus>;

/**
 * The LLM classifier as the engine last found it. Separate from the connection state: a dead
 * model never makes a healthy IMAP connection look broken (mail is then sorted by rules only,
 * and the messages the model could not judge are left where they are).
 *   ok        the last request was answered
 *   degraded  the last request failed (the reason says how), or the endpoint is being skipped
 *             for a while after repeated failures
 *   off       configured but not in use (disabled, or no categories to choose from)
 */
export const ClassifierHealth = z.object({
  state: z.enum(['ok', 'degraded', 'off']),
  reason: z.string().optional(),
  since: z.number(),
});
export type ClassifierHealth = z.infer<typeof ClassifierHealth>;

export const AccountStatus = z.object({
  accountId: z.string(),
  state: ConnectionState,
  reason: z.string(),
  code: z.string().optional(),
  since: z.number(),
  nextRetryAt: z.number().optional(),
  mailboxes: z.array(MailboxStatus),
  lastMessage: LastMessage.optional(),
  /** The latest message that could not be handled (a missing folder, a refused action…). */
  lastError: z
    .object({ at: z.number(), mailbox: z.string(), subject: z.string(), error: z.string() })
    .optional(),
  handledToday: z.number().int(),
  errorsToday: z.number().int(),
  /** The LLM classifier, when one is configured (the same for every account: one per engine). */
  classifier: ClassifierHealth.optional(),
});
export type AccountStatus = z.infer<typeof AccountStatus>;

/** Severity order used to roll mailbox states up into an account state: worst wins. */
const severity: Record<ConnectionState, number> = {
  'auth-failed': 7,
  'backing-off': 6,
  connecting: 5,
  probing: 4,
  syncing: 3,
  suspended: 2,
  watching: 1,
  stopped: 0,
};

export function worstState(states: readonly ConnectionState[]): ConnectionState {
  let worst: ConnectionState = 'stopped';
  for (const s of states) if (severity[s] > severity[worst]) worst = s;
  return worst;
}
