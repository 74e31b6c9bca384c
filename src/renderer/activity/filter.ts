import type { ActivityEntry, ActivityResult } from '../../shared/domain/activity';

/**
 * The Activity view's filters, as pure functions: which results each choice keeps, and how many
 * entries to ask for so a rare kind (an error among hundreds of sorted messages) is not lost
 * off the end of the window.
 */

/** What the "Show" menu offers, in its order. */
export const resultFilters = [
  { value: 'all', label: 'All' },
  { value: 'done', label: 'Done' },
  { value: 'problems', label: 'Errors & quarantined' },
  { value: 'no-match', label: 'No rule matched' },
  { value: 'undone', label: 'Undone' },
  { value: 'dry-run', label: 'Dry run' },
] as const;
export type ResultFilter = (typeof resultFilters)[number]['value'];

export interface ActivityFilter {
  result: ResultFilter;
  /** One account's entries, or every account's (undefined). */
  accountId?: string | undefined;
}

export const noFilter: ActivityFilter = { result: 'all' };

const keeps: Record<Exclude<ResultFilter, 'all'>, readonly ActivityResult[]> = {
  done: ['done'],
  problems: ['error', 'quarantined'],
  'no-match': ['no-match'],
  undone: ['undone'],
  'dry-run': ['dry-run'],
};

export function isResultFilter(x: string): x is ResultFilter {
  return resultFilters.some((f) => f.value === x);
}

/** Does an entry pass the filter? (The search is applied by activity.recent, not here.) */
export function passesFilter(e: ActivityEntry, f: ActivityFilter): boolean {
  if (f.accountId !== undefined && e.accountId !== f.accountId) return false;
  return f.result === 'all' || keeps[f.result].includes(e.result);
}

export function isFiltered(f: ActivityFilter): boolean {
  return f.result !== 'all' || f.accountId !== undefined;
}

/** How many entries the view shows at most. */
export const SHOWN = 200;
/**
 * How many to fetch. Unfiltered, the newest SHOWN are exactly what is shown. Filtered, the
 * filter runs here over the newest FILTERED_WINDOW (the contract's largest `limit`): fetching
 * only SHOWN would hide an error that is older than the last 200 sorted messages, and the
 * contract has no result filter of its own. Entries older than that window are not searched.
 */
export const FILTERED_WINDOW = 1000;

export function fetchLimit(f: ActivityFilter): number {
  return isFiltered(f) ? FILTERED_WINDOW : SHOWN;
}

/** The entries to show, newest first as fetched. */
export function applyFilter(entries: readonly ActivityEntry[], f: ActivityFilter): ActivityEntry[] {
  return entries.filter((e) => passesFilter(e, f)).slice(0, SHOWN);
}

/** Ids of the entries an `undone` line reversed (their Undo button shows "Undone"). */
export function undoneIds(entries: readonly ActivityEntry[]): Set<string> {
  return new Set(entries.flatMap((e) => (e.undoes ? [e.undoes] : [])));
}

/** The accounts to offer in the Account menu: the configured ones, then any seen only in history. */
export function accountChoices(
  configured: readonly string[],
  entries: readonly ActivityEntry[],
): string[] {
  const out = [...configured];
  for (const e of entries) if (!out.includes(e.accountId)) out.push(e.accountId);
  return out;
}
