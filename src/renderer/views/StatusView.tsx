import { useCallback, useEffect, useState } from 'react';
import type { AccountStatus } from '../../shared/domain/status';
import { errorText, formatSince, formatTime } from '../format';

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

function AccountCard({ a }: { a: AccountStatus }) {
  return (
    <article className="card" aria-label={`Account ${a.accountId}`} data-account={a.accountId}>
      <header className="card-head">
        <h2>{a.accountId}</h2>
        <span className={`badge state-${a.state}`} data-testid="account-state">
          {stateLabel[a.state]}
        </span>
      </header>
      <dl className="facts">
        <dt>Reason</dt>
        <dd>{a.reason || '—'}</dd>
        <dt>Since</dt>
        <dd>
          <time dateTime={new Date(a.since).toISOString()} title={formatTime(a.since)}>
            {formatSince(a.since)}
          </time>
        </dd>
        {a.nextRetryAt !== undefined && (
          <>
            <dt>Next retry</dt>
            <dd>{formatTime(a.nextRetryAt)}</dd>
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
    </article>
  );
}

export function StatusView() {
  const [accounts, setAccounts] = useState<AccountStatus[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

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

  const run = useCallback(async (what: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);

  const paused =
    accounts !== undefined && accounts.length > 0 && accounts.every((a) => a.state === 'suspended');

  return (
    <section aria-label="Account status">
      <div className="toolbar">
        <button
          type="button"
          disabled={busy}
          onClick={() => void run(() => window.solon.engine.checkNow())}
        >
          Check now
        </button>
        {paused ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => window.solon.engine.resume())}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => window.solon.engine.pause())}
          >
            Pause
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="banner error">
          {error}
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
          <AccountCard key={a.accountId} a={a} />
        ))}
      </div>
    </section>
  );
}
