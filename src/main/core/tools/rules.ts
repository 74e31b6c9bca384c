import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { Account } from '../../../shared/domain/account.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import type { Category, Rule } from '../../../shared/domain/rule.js';
import { executePlans, type ExecItem } from '../actions/execute.js';
import { createClassifier, type Classifier } from '../classify/pipeline.js';
import { describePlan, emptyPlan, isEmptyPlan, type Plan } from '../classify/plan.js';
import { uidSet } from '../imap/uid-set.js';
import { buildMessageView, fetchQuery } from '../mail/parse.js';
import type { MessageView } from '../mail/message-view.js';
import type { Logger } from '../ports.js';
import { withSession } from './session.js';

export interface RulesToolOptions {
  rules: Rule[];
  categories: Category[];
  /** The mailbox whose existing messages the rules run over. */
  mailbox: string;
}

export interface PreviewItem {
  uid: number;
  from: string;
  subject: string;
  /** The message's Date header (or the envelope's), when it has one. */
  date: Date | undefined;
  matched: { id: string; name: string }[];
  category?: string;
  /** One line, e.g. `move → Lists/exmh; +spamassassin`, or `nothing to do`. */
  actions: string;
  plan: Plan;
  /** Set when the message could not be read; it would be left alone. */
  error?: string;
}

/**
 * What the rules would do to the newest `limit` messages of a mailbox, newest first. Opens the
 * mailbox read-only (EXAMINE) and fetches with BODY.PEEK, so nothing on the server changes —
 * not even \Seen or \Recent.
 */
export async function previewRules(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
  opts: RulesToolOptions & { limit: number },
): Promise<PreviewItem[]> {
  const classify = classifierFor(opts);
  return withSession(account, password, settings, log, async (session) => {
    const client = session.client;
    await client.mailboxOpen(opts.mailbox, { readOnly: true });
    const uids = (await allUids(client)).slice(-Math.max(0, opts.limit));
    if (opts.limit <= 0 || uids.length === 0) return [];
    const out: PreviewItem[] = [];
    for (let i = 0; i < uids.length; i += settings.batchSize) {
      const batch = uids.slice(i, i + settings.batchSize);
      for (const { row, view } of await fetchViews(client, batch, settings)) {
        const base = { uid: row.uid, from: fromLine(view), subject: view.subject, date: view.date };
        if (view.parseError) {
          out.push({
            ...base,
            matched: [],
            actions: 'nothing to do',
            plan: emptyPlan(),
            error: `could not read the message: ${view.parseError}`,
          });
          continue;
        }
        const c = await classify(view);
        const item: PreviewItem = {
          ...base,
          matched: c.rules,
          actions: describePlan(c.plan),
          plan: c.plan,
        };
        if (c.category !== undefined) item.category = c.category;
        out.push(item);
      }
    }
    return out.sort((a, b) => b.uid - a.uid);
  });
}

/** The newest `limit` messages of a mailbox, newest first: read-only (EXAMINE, BODY.PEEK). */
export async function recentMessages(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
  opts: { mailbox: string; limit: number },
): Promise<{ uid: number; from: string; subject: string; date: Date | undefined }[]> {
  return withSession(account, password, settings, log, async (session) => {
    const client = session.client;
    await client.mailboxOpen(opts.mailbox, { readOnly: true });
    const uids = (await allUids(client)).slice(-Math.max(0, opts.limit));
    if (opts.limit <= 0 || uids.length === 0) return [];
    const rows = await client.fetchAll(uidSet(uids), { uid: true, envelope: true }, { uid: true });
    return rows
      .map((r) => ({
        uid: r.uid,
        from: (r.envelope?.from ?? [])
          .map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? '')))
          .join(', '),
        subject: r.envelope?.subject ?? '',
        date: r.envelope?.date === undefined ? undefined : new Date(r.envelope.date),
      }))
      .sort((a, b) => b.uid - a.uid);
  });
}

/** One message as the rules see it, read-only; undefined when there is no such UID. */
export async function readMessage(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
  opts: { mailbox: string; uid: number },
): Promise<MessageView | undefined> {
  return withSession(account, password, settings, log, async (session) => {
    await session.client.mailboxOpen(opts.mailbox, { readOnly: true });
    const [first] = await fetchViews(session.client, [opts.uid], settings);
    return first?.view;
  });
}

export interface ApplyResult {
  /** Messages the run looked at (the mailbox's messages when it started, or the last `limit`). */
  total: number;
  /** Messages handled so far (acted on, left alone, or failed). */
  done: number;
  /** Messages something was done to. */
  acted: number;
  errors: { uid: number; error: string }[];
  /** The signal aborted the run: it stopped between two batches; the rest is untouched. */
  cancelled: boolean;
}

/**
 * Run the rules for real over the messages already in a mailbox, oldest first, in batches of
 * `settings.batchSize`. The user asked for it, so no ledger: the messages are the ones present
 * when the run starts (by UID), each handled at most once. After each batch it reports progress
 * (`onProgress(done, total)`), and before each it checks the signal; an abort stops before the next batch, never in the middle of one.
 */
export async function applyRules(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
  opts: RulesToolOptions & {
    limit?: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    /** Tests: force COPY + \Deleted + UID EXPUNGE instead of MOVE. */
    noMove?: boolean;
  },
): Promise<ApplyResult> {
  const classify = classifierFor(opts);
  const result: ApplyResult = { total: 0, done: 0, acted: 0, errors: [], cancelled: false };
  if (opts.signal?.aborted) return { ...result, cancelled: true };
  return withSession(account, password, settings, log, async (session) => {
    const client = session.client;
    await client.mailboxOpen(opts.mailbox);
    let uids = await allUids(client);
    if (opts.limit !== undefined) uids = opts.limit > 0 ? uids.slice(-opts.limit) : [];
    result.total = uids.length;
    // A snapshot of UIDs, each visited once: a message moved or copied by this run is never
    // seen again (new UIDs elsewhere, or above the snapshot here).
    const handled = new Set<number>();
    for (let i = 0; i < uids.length; i += settings.batchSize) {
      if (opts.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      const batch = uids.slice(i, i + settings.batchSize).filter((u) => !handled.has(u));
      for (const u of batch) handled.add(u);
      try {
        await runBatch(client, batch, classify, settings, opts, log, result);
      } catch (err) {
        // The connection went away or the server failed us mid-batch: what was done is
        // unknown, so stop here and say so; a re-run handles what is left.
        const message = err instanceof Error ? err.message : String(err);
        log.warn('apply rules: batch failed, stopping', { error: message });
        for (const u of batch)
          result.errors.push({ uid: u, error: `stopped: ${message} (state unknown)` });
        result.done += batch.length;
        opts.onProgress?.(result.done, result.total);
        break;
      }
      result.done += batch.length;
      opts.onProgress?.(result.done, result.total);
    }
    return result;
  });
}

async function runBatch(
  client: ImapFlow,
  batch: number[],
  classify: Classifier,
  settings: EngineSettings,
  opts: RulesToolOptions & { noMove?: boolean },
  log: Logger,
  result: ApplyResult,
): Promise<void> {
  const items: ExecItem[] = [];
  for (const { row, view } of await fetchViews(client, batch, settings)) {
    if (view.parseError) {
      result.errors.push({ uid: row.uid, error: `could not read the message: ${view.parseError}` });
      continue;
    }
    const c = await classify(view);
    if (!isEmptyPlan(c.plan)) items.push({ uid: row.uid, messageId: view.messageId, plan: c.plan });
  }
  if (items.length === 0) return;
  const outcomes = await executePlans(client, opts.mailbox, items, {
    careful: false,
    noMove: opts.noMove,
    log,
  });
  for (const item of items) {
    const o = outcomes.get(item.uid);
    if (o?.ok) result.acted++;
    else result.errors.push({ uid: item.uid, error: o?.error ?? 'not done' });
  }
}

function classifierFor(opts: RulesToolOptions): Classifier {
  return createClassifier({
    rules: opts.rules,
    categories: opts.categories,
    mailbox: opts.mailbox,
  });
}

/** Every UID in the selected mailbox, ascending. */
async function allUids(client: ImapFlow): Promise<number[]> {
  const found = await client.search({ all: true }, { uid: true });
  return [...(found || [])].sort((a, b) => a - b);
}

async function fetchViews(
  client: ImapFlow,
  uids: number[],
  settings: EngineSettings,
): Promise<{ row: FetchMessageObject; view: MessageView }[]> {
  if (uids.length === 0) return [];
  const rows = await client.fetchAll(uidSet(uids), fetchQuery(settings.fetchPrefixBytes), {
    uid: true,
  });
  const out: { row: FetchMessageObject; view: MessageView }[] = [];
  // UIDs missing from the answer were expunged by someone else meanwhile: nothing to do.
  for (const row of rows.sort((a, b) => a.uid - b.uid))
    out.push({
      row,
      view: await buildMessageView(row, { parseTimeoutMs: settings.parseTimeoutMs }),
    });
  return out;
}

function fromLine(view: MessageView): string {
  return view.from.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}
