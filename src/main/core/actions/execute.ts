import type { ImapFlow } from 'imapflow';
import type { UndoStep } from '../../../shared/domain/activity.js';
import type { Plan } from '../classify/plan.js';
import { uidSet } from '../imap/uid-set.js';
import type { Logger } from '../ports.js';

export interface ExecItem {
  uid: number;
  messageId: string | undefined;
  plan: Plan;
}

export interface ExecOutcome {
  ok: boolean;
  /** For a person, naming what failed ("folder "Lists/Foo" does not exist"). */
  error?: string;
  undo: UndoStep[];
}

/** The connection went away mid-batch: nothing is known to be finished; re-run carefully. */
export class ConnectionLost extends Error {
  constructor(what: string) {
    super(`connection lost during ${what}`);
  }
}

export interface ExecuteOptions {
  /**
   * Re-running a batch that was in flight when we crashed or lost the connection: check what
   * already happened (message gone from the source, a copy already in the target by
   * Message-ID) so nothing is done twice.
   */
  careful: boolean;
  /** Force COPY + \Deleted + UID EXPUNGE even when the server has MOVE (tests). */
  noMove?: boolean;
  log: Logger;
}

/**
 * Carry out plans for a batch of messages in the selected mailbox, batched by what they do:
 * one STORE per flag, one UID COPY/MOVE per target folder. Order matters: flags first (MOVE and
 * COPY carry them along), then copies, then moves (after a move the source UID is gone).
 *
 * Idempotent by construction: STORE +FLAGS twice is one flag; a moved message is simply absent
 * from the source on a re-run; copies are checked by Message-ID in careful mode.
 */
export async function executePlans(
  client: ImapFlow,
  mailbox: string,
  items: ExecItem[],
  opts: ExecuteOptions,
): Promise<Map<number, ExecOutcome>> {
  const out = new Map<number, ExecOutcome>(items.map((i) => [i.uid, { ok: true, undo: [] }]));
  const fail = (uids: number[], error: string): void => {
    for (const u of uids) {
      const o = out.get(u)!;
      o.ok = false;
      o.error ??= error;
    }
  };
  const alive = (what: string): void => {
    if (!client.usable) throw new ConnectionLost(what);
  };

  let present: Set<number> | undefined;
  if (opts.careful) {
    // What is still in the source? A message missing here was moved (by us before the crash,
    // or by someone else): its move is done.
    const found = await client.search({ uid: uidSet(items.map((i) => i.uid)) }, { uid: true });
    alive('search');
    present = new Set(found || []);
  }
  const live = items.filter((i) => !present || present.has(i.uid));
  const gone = items.filter((i) => present && !present.has(i.uid));
  for (const g of gone) {
    if (g.plan.moveTo)
      out.get(g.uid)!.undo.push({ type: 'moved', from: mailbox, to: g.plan.moveTo });
  }

  const byKey = <K>(key: (i: ExecItem) => K[]): Map<K, number[]> => {
    const m = new Map<K, number[]>();
    for (const i of live) for (const k of key(i)) m.set(k, [...(m.get(k) ?? []), i.uid]);
    return m;
  };

  for (const [flag, uids] of byKey((i) => i.plan.removeFlags)) {
    const ok = await client.messageFlagsRemove(uidSet(uids), [flag], { uid: true });
    alive('STORE -FLAGS');
    if (!ok) fail(uids, `could not remove ${flag}`);
    else for (const u of uids) out.get(u)!.undo.push({ type: 'flags-removed', flags: [flag] });
  }
  for (const [flag, uids] of byKey((i) => i.plan.addFlags)) {
    const ok = await client.messageFlagsAdd(uidSet(uids), [flag], { uid: true });
    alive('STORE +FLAGS');
    if (!ok) fail(uids, `could not set ${flag} (the server may not allow keywords here)`);
    else for (const u of uids) out.get(u)!.undo.push({ type: 'flags-added', flags: [flag] });
  }
  const labelled = byKey((i) => i.plan.gmailLabels);
  if (labelled.size > 0 && !client.capabilities.has('X-GM-EXT-1')) {
    for (const [label, uids] of labelled)
      fail(uids, `Gmail label "${label}": this server has no Gmail labels (X-GM-EXT-1)`);
  } else {
    for (const [label, uids] of labelled) {
      const ok = await client.messageFlagsAdd(uidSet(uids), [label], {
        uid: true,
        useLabels: true,
      });
      alive('STORE X-GM-LABELS');
      if (!ok) fail(uids, `could not add Gmail label "${label}"`);
      else for (const u of uids) out.get(u)!.undo.push({ type: 'labels-added', labels: [label] });
    }
  }

  const copyOne = async (target: string, uids: number[], asMove: boolean): Promise<number[]> => {
    // Returns the UIDs now safely in the target.
    let todo = uids;
    if (opts.careful) {
      const already = await inTarget(
        client,
        mailbox,
        target,
        live.filter((i) => uids.includes(i.uid)),
      );
      alive('careful check');
      todo = uids.filter((u) => !already.has(u));
      for (const u of already.keys()) {
        out
          .get(u)!
          .undo.push(
            asMove ? { type: 'moved', from: mailbox, to: target } : { type: 'copied', to: target },
          );
      }
    }
    if (todo.length === 0) return uids;
    const res = await client.messageCopy(uidSet(todo), target, { uid: true });
    alive('UID COPY');
    if (!res) {
      fail(todo, await whyNot(client, target));
      return uids.filter((u) => !todo.includes(u));
    }
    const validity = res.uidValidity?.toString();
    for (const u of todo) {
      const newUid = res.uidMap?.get(u);
      out
        .get(u)!
        .undo.push(
          asMove
            ? { type: 'moved', from: mailbox, to: target, uidValidity: validity, uid: newUid }
            : { type: 'copied', to: target, uidValidity: validity, uid: newUid },
        );
    }
    return uids;
  };

  for (const [target, uids] of byKey((i) => i.plan.copyTo)) {
    await copyOne(
      target,
      uids.filter((u) => out.get(u)!.ok),
      false,
    );
  }

  const hasMove = client.capabilities.has('MOVE') && !opts.noMove;
  const hasUidPlus = client.capabilities.has('UIDPLUS');
  for (const [target, all] of byKey((i) => (i.plan.moveTo ? [i.plan.moveTo] : []))) {
    // A message whose earlier step failed stays where it is: half a plan is worse than none.
    const uids = all.filter((u) => out.get(u)!.ok);
    if (uids.length === 0) continue;
    if (hasMove && !opts.careful) {
      const res = await client.messageMove(uidSet(uids), target, { uid: true });
      alive('UID MOVE');
      if (!res) {
        fail(uids, await whyNot(client, target));
        continue;
      }
      const validity = res.uidValidity?.toString();
      for (const u of uids)
        out.get(u)!.undo.push({
          type: 'moved',
          from: mailbox,
          to: target,
          uidValidity: validity,
          uid: res.uidMap?.get(u),
        });
      continue;
    }
    // COPY + \Deleted + UID EXPUNGE: the careful path, and servers without MOVE.
    const copied = await copyOne(target, uids, true);
    if (copied.length === 0) continue;
    const set = uidSet(copied);
    const flagged = await client.messageFlagsAdd(set, ['\\Deleted'], { uid: true });
    alive('STORE \\Deleted');
    if (!flagged) {
      fail(copied, `copied to "${target}" but could not mark the original \\Deleted`);
      continue;
    }
    if (hasUidPlus) {
      // messageDelete with uid:true issues UID EXPUNGE for exactly these UIDs (UIDPLUS).
      const expunged = await client.messageDelete(set, { uid: true });
      alive('UID EXPUNGE');
      if (!expunged) fail(copied, `copied to "${target}" but UID EXPUNGE failed`);
    } else {
      // Never a bare EXPUNGE: it would also remove messages someone else marked \Deleted.
      opts.log.warn('server lacks UIDPLUS: originals left marked \\Deleted, not expunged', {
        target,
      });
    }
  }
  return out;
}

/** Which of `items` already have a copy in `target` (by Message-ID)? uid → target uid. */
async function inTarget(
  client: ImapFlow,
  source: string,
  target: string,
  items: ExecItem[],
): Promise<Map<number, number | undefined>> {
  const found = new Map<number, number | undefined>();
  const withId = items.filter((i) => i.messageId);
  if (withId.length === 0) return found;
  const lock = await client.getMailboxLock(target, { readOnly: true }).catch(() => undefined);
  if (!lock) return found; // target missing: nothing copied there yet
  try {
    for (const i of withId) {
      const hits = await client.search({ header: { 'message-id': i.messageId! } }, { uid: true });
      if (hits && hits.length > 0) found.set(i.uid, hits[hits.length - 1]);
    }
  } finally {
    lock.release();
  }
  // Back to the watched mailbox, read-write.
  await client.mailboxOpen(source);
  return found;
}

/** Name the reason a COPY/MOVE failed: the usual one is a target folder that does not exist. */
async function whyNot(client: ImapFlow, target: string): Promise<string> {
  const list = await client.list().catch(() => undefined);
  if (list && !list.some((m) => m.path === target))
    return `folder "${target}" does not exist on the server`;
  return `the server refused to put the message in "${target}"`;
}
