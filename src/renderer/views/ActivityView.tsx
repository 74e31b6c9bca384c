import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { activityMatches, type ActivityEntry } from '../../shared/domain/activity';
import {
  accountChoices,
  applyFilter,
  fetchLimit,
  isFiltered,
  isResultFilter,
  noFilter,
  resultFilters,
  undoneIds,
  type ActivityFilter,
} from '../activity/filter';
import { errorText, formatShortTime, formatTime } from '../format';
import './activity.css';

const resultLabel: Record<ActivityEntry['result'], string> = {
  done: 'Done',
  'no-match': 'No rule matched',
  'dry-run': 'Dry run',
  error: 'Error',
  quarantined: 'Quarantined',
  undone: 'Undone',
};

/** Errors and quarantined messages carry an icon as well as colour and words. */
function ResultIcon({ result }: { result: ActivityEntry['result'] }) {
  if (result === 'error')
    return (
      <svg className="result-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        <path d="M8 1.5 15 14H1L8 1.5Z" fill="none" stroke="currentColor" strokeWidth="1.6" />
        <path d="M8 6v4M8 11.5v1" stroke="currentColor" strokeWidth="1.6" />
      </svg>
    );
  if (result === 'quarantined')
    return (
      <svg className="result-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
        <path d="M3.8 12.2 12.2 3.8" stroke="currentColor" strokeWidth="1.6" />
      </svg>
    );
  return null;
}

export function ActivityView() {
  const id = useId();
  /** What activity.recent answered for the search (newest first), before the filter. */
  const [entries, setEntries] = useState<ActivityEntry[] | undefined>();
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<ActivityFilter>(noFilter);
  const [accounts, setAccounts] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [undoing, setUndoing] = useState<ReadonlySet<string>>(new Set());
  const queryRef = useRef(query);
  queryRef.current = query;
  const limit = fetchLimit(filter);
  const limitRef = useRef(limit);
  limitRef.current = limit;

  // Live: new entries go on top when they fit the search (the filter applies when shown).
  useEffect(() => {
    return window.solon.on('activity.appended', (e) => {
      if (!activityMatches(e, queryRef.current)) return;
      setEntries((prev) =>
        prev?.some((x) => x.id === e.id) ? prev : [e, ...(prev ?? [])].slice(0, limitRef.current),
      );
    });
  }, []);

  // The configured accounts, for the Account menu (shown when there is more than one).
  useEffect(() => {
    let live = true;
    const ids = (s: { accountId: string }[]) => s.map((a) => a.accountId);
    const off = window.solon.on('status.changed', (s) => live && setAccounts(ids(s)));
    window.solon.status.get().then(
      (s) => live && setAccounts(ids(s)),
      () => undefined, // the menu then lists the accounts seen in the entries
    );
    return () => {
      live = false;
      off();
    };
  }, []);

  useEffect(() => {
    let live = true;
    const q = query.trim();
    window.solon.activity.recent(q === '' ? { limit } : { limit, query: q }).then(
      (list) => {
        if (!live) return;
        setError(undefined);
        setEntries(list);
      },
      (e: unknown) => {
        if (live) setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [query, limit]);

  const undone = undoneIds(entries ?? []);
  const shown = entries === undefined ? undefined : applyFilter(entries, filter);
  const choices = accountChoices(accounts, entries ?? []);
  const filtered = isFiltered(filter);

  const undo = useCallback(async (entryId: string) => {
    setUndoing((s) => new Set(s).add(entryId));
    setError(undefined);
    try {
      const entry = await window.solon.activity.undo({ id: entryId });
      setEntries((prev) =>
        prev?.some((x) => x.id === entry.id) ? prev : [entry, ...(prev ?? [])],
      );
    } catch (e) {
      setError(`Could not undo: ${errorText(e)}`);
    } finally {
      setUndoing((s) => {
        const next = new Set(s);
        next.delete(entryId);
        return next;
      });
    }
  }, []);

  const q = query.trim();
  const count = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
  const summary =
    shown === undefined
      ? ''
      : filtered
        ? `${count(shown.length)} in the latest ${entries?.length ?? 0}`
        : count(shown.length);

  return (
    <section aria-label="Activity">
      <div className="toolbar activity-filters">
        <label className="search">
          <span>Search</span>
          <input
            type="search"
            value={query}
            placeholder="From, subject, rule…"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <div className="filter">
          <label htmlFor={`${id}-show`}>Show</label>
          <select
            id={`${id}-show`}
            value={filter.result}
            onChange={(e) => {
              const v = e.target.value;
              if (isResultFilter(v)) setFilter((f) => ({ ...f, result: v }));
            }}
          >
            {resultFilters.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        {choices.length > 1 && (
          <div className="filter">
            <label htmlFor={`${id}-account`}>Account</label>
            <select
              id={`${id}-account`}
              value={filter.accountId ?? ''}
              onChange={(e) => setFilter((f) => ({ ...f, accountId: e.target.value || undefined }))}
            >
              <option value="">All accounts</option>
              {choices.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {/* Always there (empty while loading), so the list below never jumps. */}
      <p className="activity-count muted" id={`${id}-count`} role="status">
        {summary}
      </p>
      {error && (
        <p role="alert" className="banner error">
          {error}
        </p>
      )}
      {shown === undefined && !error && <p className="muted">Loading…</p>}
      {shown?.length === 0 && (
        <div className="empty">
          <p>
            {filtered && entries?.length
              ? q
                ? `Nothing matches “${q}” with this filter.`
                : 'Nothing matches this filter.'
              : q
                ? `Nothing matches “${q}”.`
                : 'Nothing handled yet. New mail shows up here as it is sorted.'}
          </p>
          {filtered && (
            <button type="button" onClick={() => setFilter(noFilter)}>
              Show everything
            </button>
          )}
        </div>
      )}
      {shown !== undefined && shown.length > 0 && (
        <table className="activity" aria-describedby={`${id}-count`}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">From</th>
              <th scope="col">Subject</th>
              <th scope="col">Rule</th>
              <th scope="col">Actions</th>
              <th scope="col">Result</th>
              <th scope="col">
                <span className="visually-hidden">Undo</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr
                key={e.id}
                className={`result-${e.result}`}
                data-entry={e.id}
                data-message-id={e.messageId}
              >
                <td className="nowrap" title={formatTime(e.at)}>
                  <time dateTime={new Date(e.at).toISOString()}>{formatShortTime(e.at)}</time>
                </td>
                <td className="clip" title={e.from}>
                  {e.from}
                  {choices.length > 1 && <div className="muted entry-account">{e.accountId}</div>}
                </td>
                <td>
                  <div className="clip" title={e.subject}>
                    {e.subject || '(no subject)'}
                  </div>
                  {e.error && (
                    <div className="entry-error" data-testid="error">
                      {e.error}
                    </div>
                  )}
                  {e.note && <div className="muted entry-note">{e.note}</div>}
                </td>
                <td data-testid="rule">
                  {e.rules.map((r) => r.name).join(', ') || e.category || '—'}
                </td>
                <td>{e.actions || '—'}</td>
                <td>
                  <span className={`badge result-badge-${e.result}`} data-testid="result">
                    <ResultIcon result={e.result} />
                    {resultLabel[e.result]}
                  </span>
                </td>
                <td>
                  {e.result === 'done' && e.undo.length > 0 && (
                    <button
                      type="button"
                      disabled={undoing.has(e.id) || undone.has(e.id)}
                      aria-label={`Undo: ${e.subject || '(no subject)'}`}
                      onClick={() => void undo(e.id)}
                    >
                      {undone.has(e.id) ? 'Undone' : 'Undo'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
