import type { Action } from '../../../shared/domain/rule.js';

/** What to do to one message, reduced to the smallest set of IMAP changes. */
export interface Plan {
  /** Flags and keywords to set that the message does not have yet. */
  addFlags: string[];
  /** Flags and keywords to clear that the message has. */
  removeFlags: string[];
  gmailLabels: string[];
  /** Extra mailboxes to copy into (never the source, never moveTo). */
  copyTo: string[];
  /** Where the message ends up; undefined leaves it in place. */
  moveTo: string | undefined;
  notify: boolean;
}

// RFC 9051 §2.3.2: flag and keyword names are case-insensitive.
const flagKey = (flag: string): string => flag.toLowerCase();

// RFC 9051 §5.1: INBOX is case-insensitive; every other mailbox name is case-sensitive.
const mailboxKey = (name: string): string => (name.toUpperCase() === 'INBOX' ? 'INBOX' : name);

/**
 * Reduces a list of actions to a plan. Pure: the executor does the IMAP, this decides what
 * there is to do, so a dry run and the real run agree.
 *
 * Several moves follow Sieve's `fileinto`: the message ends up in each target. The first move
 * is the move; the others become copies. A move to the mailbox the message is already in keeps
 * it there, so the remaining targets are copies too.
 */
export function planActions(
  actions: readonly Action[],
  current: { flags: readonly string[]; mailbox: string },
): Plan {
  // Per flag, the last action wins (add then remove → remove).
  const flagChanges = new Map<string, { flag: string; add: boolean }>();
  const labels: string[] = [];
  let firstMove: string | undefined;
  const copies: string[] = [];
  let notify = false;

  const setFlag = (flag: string, add: boolean): void => {
    flagChanges.set(flagKey(flag), { flag, add });
  };

  for (const action of actions) {
    switch (action.type) {
      case 'move':
        if (firstMove === undefined) firstMove = action.folder;
        else copies.push(action.folder);
        break;
      case 'copy':
        copies.push(action.folder);
        break;
      case 'add-keyword':
        setFlag(action.keyword, true);
        break;
      case 'remove-keyword':
        setFlag(action.keyword, false);
        break;
      case 'flag':
        setFlag('\\Flagged', true);
        break;
      case 'mark-read':
        setFlag('\\Seen', true);
        break;
      case 'gmail-label':
        if (!labels.includes(action.label)) labels.push(action.label);
        break;
      case 'notify':
        notify = true;
        break;
      case 'stop':
        // Already applied by the rule evaluator; nothing to do to the message.
        break;
      default: {
        const unreachable: never = action;
        throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
      }
    }
  }

  const here = mailboxKey(current.mailbox);
  const moveTo = firstMove !== undefined && mailboxKey(firstMove) !== here ? firstMove : undefined;
  const copyTo: string[] = [];
  const seen = new Set<string>([here]);
  if (moveTo !== undefined) seen.add(mailboxKey(moveTo));
  for (const target of copies) {
    const key = mailboxKey(target);
    if (seen.has(key)) continue;
    seen.add(key);
    copyTo.push(target);
  }

  const has = new Set(current.flags.map(flagKey));
  const addFlags: string[] = [];
  const removeFlags: string[] = [];
  for (const [key, { flag, add }] of flagChanges) {
    if (add && !has.has(key)) addFlags.push(flag);
    if (!add && has.has(key)) removeFlags.push(flag);
  }

  return { addFlags, removeFlags, gmailLabels: labels, copyTo, moveTo, notify };
}

/** A plan that does nothing (no rule matched, or the message could not be handled). */
export function emptyPlan(): Plan {
  return {
    addFlags: [],
    removeFlags: [],
    gmailLabels: [],
    copyTo: [],
    moveTo: undefined,
    notify: false,
  };
}

export function isEmptyPlan(p: Plan): boolean {
  return (
    p.addFlags.length === 0 &&
    p.removeFlags.length === 0 &&
    p.gmailLabels.length === 0 &&
    p.copyTo.length === 0 &&
    p.moveTo === undefined &&
    !p.notify
  );
}

/** One line for logs and the activity view, e.g. `move → Lists/Debian; +\Seen`. */
export function describePlan(p: Plan): string {
  const parts: string[] = [];
  if (p.moveTo !== undefined) parts.push(`move → ${p.moveTo}`);
  if (p.copyTo.length > 0) parts.push(`copy → ${p.copyTo.join(', ')}`);
  const flags = [...p.addFlags.map((f) => `+${f}`), ...p.removeFlags.map((f) => `-${f}`)];
  if (flags.length > 0) parts.push(flags.join(' '));
  if (p.gmailLabels.length > 0) parts.push(`label ${p.gmailLabels.join(', ')}`);
  if (p.notify) parts.push('notify');
  return parts.length > 0 ? parts.join('; ') : 'nothing to do';
}
