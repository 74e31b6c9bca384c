import { useCallback, useEffect, useRef, useState } from 'react';
import type { AccountStatus } from '../../shared/domain/status';
import { errorText, formatSince, formatTime } from '../format';
import { classifierLine, isPaused, retryIn } from '../status/account-controls';
import './status.css';

const stateLabel: Record<AccountStatus['state'], string> = {
  stopped: 'Stopped',
  connecting: 'Connecting',
  syncing: 'Catching up',
  watching: 'Watching',
  probing: 'Checking connection',
  'backing-off': 'Waiting to retry',
  'auth-failed': 'Wrong password',
  suspended: 'Paused',
};

type Run = (key: string, what: () => Promise<void>) => void;

/** "5 s ago" and "in 12 s" stay true without a status event: re-render every few seconds. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function AccountCard({
  a,
  now,
  error,
  run,
}: {
  a: AccountStatus;
  now: number;
  error: string | undefined;
  run: Run;
}) {
  const accountId = a.accountId;
  const classifier = classifierLine(a.classifier);
  return (
    <article className="card" aria-label={`Account ${accountId}`} data-account={accountId}>
      <header className="card-head">
        <h2>{accountId}</h2>
        <span className={`badge state-${a.state}`} data-testid="account-state">
          {stateLabel[a.state]}
        </span>
      </header>
      <dl className="facts">
        <dt>Reason</dt>
        <dd data-testid="reason">{a.reason || '—'}</dd>
        <dt>Since</dt>
        <dd>
          <time dateTime={new Date(a.since).toISOString()} title={formatTime(a.since)}>
            {formatSince(a.since, now)}
          </time>
        </dd>
        {a.nextRetryAt !== undefined && (
          <>
            <dt>Next retry</dt>
            <dd>
              <time dateTime={new Date(a.nextRetryAt).toISOString()}>
                {retryIn(a.nextRetryAt, now)}
              </time>
            </dd>
          </>
        )}
        <dt>Last message</dt>
        <dd data-testid="last-message">
          {a.lastMessage
            ? `${a.lastMessage.subject || '(no subject)'} — ${a.lastMessage.summary}`
            : 'None yet'}
        </dd>
        <dt>Today</dt>
        <dd data-testid="counters">
          {a.handledToday} handled, {a.errorsToday} {a.errorsToday === 1 ? 'error' : 'errors'}
        </dd>
        {a.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="error-text">
              {a.lastError.subject}: {a.lastError.error}
            </dd>
          </>
        )}
      </dl>
      {classifier && (
        // The model is not the connection: a calm line of its own, never the state badge.
        <p className={`classifier classifier-${classifier.tone}`} data-testid="classifier">
          {classifier.text}
        </p>
      )}
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="card-actions" role="group" aria-label={`Controls for ${accountId}`}>
        <button
          type="button"
          disabled={isPaused(a)}
          onClick={() => run(accountId, () => window.solon.engine.checkNow({ accountId }))}
        >
          Check now
        </button>
        <button
          type="button"
          onClick={() => run(accountId, () => window.solon.engine.reconnect({ accountId }))}
        >
          Reconnect now
        </button>
        {isPaused(a) ? (
          <button
            type="button"
            onClick={() => run(accountId, () => window.solon.engine.resume({ accountId }))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            onClick={() => run(accountId, () => window.solon.engine.pause({ accountId }))}
          >
            Pause
          </button>
        )}
      </div>
    </article>
  );
}

const ALL = '*';

export function StatusView() {
  const [accounts, setAccounts] = useState<AccountStatus[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  /**
   * Controls waiting for an answer: `*` for the all-accounts ones, else an account id. A second
   * press meanwhile is ignored rather than the button disabled: Pause turns into Resume in
   * place, and a disabled button would drop the keyboard focus.
   */
  const busy = useRef(new Set<string>());
  /** The last failed control, per account (or `*`), shown where it was pressed. */
  const [failed, setFailed] = useState<ReadonlyMap<string, string>>(new Map());
  const now = useNow(5000);

  useEffect(() => {
    let live = true;
    const off = window.solon.on('status.changed', (s) => {
      if (live) setAccounts(s);
    });
    window.solon.status.get().then(
      (s) => {
        if (live) setAccounts((prev) => prev ?? s);
      },
      (e: unknown) => {
        if (live) setError(errorText(e));
      },
    );
    return () => {
      live = false;
      off();
    };
  }, []);

  const run = useCallback<Run>((key, what) => {
    if (busy.current.has(key)) return;
    busy.current.add(key);
    setFailed((m) => {
      const next = new Map(m);
      next.delete(key);
      return next;
    });
    void what()
      .catch((e: unknown) => setFailed((m) => new Map(m).set(key, errorText(e))))
      .finally(() => busy.current.delete(key));
  }, []);

  const allPaused = accounts !== undefined && accounts.length > 0 && accounts.every(isPaused);
  const globalError = failed.get(ALL);

  return (
    <section aria-label="Account status">
      {accounts !== undefined && accounts.length > 0 && (
        <div className="toolbar" role="group" aria-label="All accounts">
          <button
            type="button"
            disabled={allPaused}
            onClick={() => run(ALL, () => window.solon.engine.checkNow())}
          >
            Check all now
          </button>
          {allPaused ? (
            <button type="button" onClick={() => run(ALL, () => window.solon.engine.resume())}>
              Resume all
            </button>
          ) : (
            <button type="button" onClick={() => run(ALL, () => window.solon.engine.pause())}>
              Pause all
            </button>
          )}
        </div>
      )}
      {(error ?? globalError) && (
        <p role="alert" className="banner error">
          {error ?? globalError}
        </p>
      )}
      {accounts === undefined && !error && <p className="muted">Loading…</p>}
      {accounts?.length === 0 && (
        <div className="empty">
          <p>No account yet.</p>
          <a className="button" href="#/accounts">
            Add an account
          </a>
        </div>
      )}
      <div className="cards">
        {accounts?.map((a) => (
          <AccountCard
            key={a.accountId}
            a={a}
            now={now}
            error={failed.get(a.accountId)}
            run={run}
          />
        ))}
      </div>
    </section>
  );
}
