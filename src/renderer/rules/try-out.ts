/** Words for the rule editor's preview and apply results (pure, tested). */
import type { ApplyProgress, PreviewRow } from '../../shared/contract';

function messages(n: number): string {
  return n === 1 ? '1 message' : `${n} messages`;
}

/** "3 of 50 messages in INBOX match", or why nothing could be looked at. */
export function previewSummary(rows: readonly PreviewRow[], mailbox: string): string {
  if (rows.length === 0) return `${mailbox} is empty: nothing to preview.`;
  const k = rows.filter((r) => r.matched.length > 0).length;
  const unreadable = rows.filter((r) => r.error !== undefined).length;
  const tail = unreadable > 0 ? ` (${unreadable} could not be read)` : '';
  return `${k} of ${messages(rows.length)} in ${mailbox} ${k === 1 ? 'matches' : 'match'}${tail}.`;
}

/** What a matching preview row would have done, in one line. */
export function previewAction(row: PreviewRow): string {
  const parts: string[] = [];
  if (row.actions !== 'nothing to do' || row.category === undefined) parts.push(row.actions);
  if (row.category !== undefined) parts.push(`category ${row.category}`);
  return parts.join('; ');
}

/** The end of an apply run, for a person. */
export function applySummary(p: ApplyProgress): string {
  const errors = p.errors.length > 0 ? ` ${p.errors.length} could not be changed (see below).` : '';
  switch (p.state) {
    case 'finished':
      return `Done: ${p.acted} of ${messages(p.total)} in ${p.mailbox} changed.${errors}`;
    case 'cancelled':
      return `Cancelled after ${p.done} of ${messages(p.total)}: ${p.acted} changed, the other ${p.total - p.done} left as they were.${errors}`;
    case 'failed':
      return `Stopped after ${p.done} of ${messages(p.total)} (${p.acted} changed): ${p.error ?? 'the run failed'}.${errors}`;
    case 'running':
      return `${p.done} of ${messages(p.total)}, ${p.acted} changed…`;
    default: {
      const unreachable: never = p.state;
      return unreachable;
    }
  }
}
