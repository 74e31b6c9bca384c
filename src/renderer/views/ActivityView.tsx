import { useCallback, useEffect, useRef, useState } from 'react';
import { activityMatches, type ActivityEntry } from '../../shared/domain/activity';
import { errorText, formatShortTime, formatTime } from '../format';

const LIMIT = 200;

const resultLabel: Record<ActivityEntry['result'], string> = {
  done: 'Done',
  'no-match': 'No rule matched',
  'dry-run': 'Dry run',
  error: 'Error',
  quarantined: 'Quarantined',
  undone: 'Undone',
};

export function ActivityView() {
  const [entries, setEntries] = useState<ActivityEntry[] | undefined>();
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [undoing, setUndoing] = useState<ReadonlySet<string>>(new Set());
  const queryRef = useRef(query);
  queryRef.current = query;

  // Live: new entries go on top when they fit the search.
  useEffect(() => {
    return window.solon.on('activity.appended', (e) => {
      if (!activityMatches(e, queryRef.current)) return;
      setEntries((prev) =>
        prev?.some((x) => x.id === e.id) ? prev : [e, ...(prev ?? [])].slice(0, LIMIT),
      );
    });
  }, []);

  useEffect(() => {
    let live = true;
    const q = query.trim();
    window.solon.activity.recent(q === '' ? { limit: LIMIT } : { limit: LIMIT, query: q }).then(
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
  }, [query]);

  const undone = new Set(entries?.flatMap((e) => (e.undoes ? [e.undoes] : [])));

  const undo = useCallback(async (id: string) => {
    setUndoing((s) => new Set(s).add(id));
    setError(undefined);
    try {
      const entry = await window.solon.activity.undo({ id });
      setEntries((prev) =>
        prev?.some((x) => x.id === entry.id) ? prev : [entry, ...(prev ?? [])],
      );
    } catch (e) {
      setError(`Could not undo: ${errorText(e)}`);
    } finally {
      setUndoing((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
    }
  }, []);

  return (
    <section aria-label="Activity">
      <div className="toolbar">
        <label className="search">
          <span>Search</span>
          <input
            type="search"
            value={query}
            placeholder="From, subject, rule…"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
      </div>
      {error && (
        <p role="alert" className="banner error">
          {error}
        </p>
      )}
      {entries === undefined && !error && <p className="muted">Loading…</p>}
      {entries?.length === 0 && (
        <div className="empty">
          <p>
            {query.trim()
              ? `Nothing matches “${query.trim()}”.`
              : 'Nothing handled yet. New mail shows up here as it is sorted.'}
          </p>
        </div>
      )}
      {entries !== undefined && entries.length > 0 && (
        <table className="activity">
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
            {entries.map((e) => (
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
                </td>
                <td className="clip" title={e.subject}>
                  {e.subject || '(no subject)'}
                </td>
                <td data-testid="rule">
                  {e.rules.map((r) => r.name).join(', ') || e.category || '—'}
                </td>
                <td>{e.actions || '—'}</td>
                <td>
                  <span className={`badge result-badge-${e.result}`} data-testid="result">
                    {resultLabel[e.result]}
                  </span>
                  {e.error && <div className="error-text">{e.error}</div>}
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
