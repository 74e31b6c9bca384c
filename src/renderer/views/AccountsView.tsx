import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorCode, isSolonError, type AppInfo } from '../../shared/contract';
import { accountPort, type Account } from '../../shared/domain/account';
import { errorText } from '../format';
import { AccountForm, type SaveProblem } from '../accounts/AccountForm';
import { RemoveDialog } from '../accounts/RemoveDialog';
import {
  describePasswordSource,
  fieldOfSettingsPath,
  problemAt,
  withAccount,
} from '../accounts/draft';
import '../accounts/accounts.css';

type Mode = { kind: 'list' } | { kind: 'add' } | { kind: 'edit'; id: string };

/**
 * Keep an account: its typed password into the keychain first (the engine restarts the moment
 * the settings change, and should find the password there), then the whole accounts list.
 * A settings problem comes back at its field.
 */
async function keep(
  account: Account,
  password: string | undefined,
): Promise<SaveProblem | Account[]> {
  try {
    if (password !== undefined)
      await window.solon.accounts.setPassword({ accountId: account.id, password });
    // Read the list fresh: it is replaced whole, and must not undo a change made elsewhere.
    const { accounts } = await window.solon.settings.get();
    const next = withAccount(accounts, account);
    const saved = await window.solon.settings.update({ accounts: next });
    return saved.accounts;
  } catch (e) {
    if (isSolonError(e) && e.code === ErrorCode.INVALID_ARGS && e.path !== undefined) {
      const { accounts } = await window.solon.settings.get().catch(() => ({ accounts: [] }));
      const index = withAccount(accounts, account).findIndex((a) => a.id === account.id);
      const field = fieldOfSettingsPath(e.path, index);
      const message = problemAt(e.message, e.path);
      return field ? { field, message } : { message };
    }
    return { message: `Could not save the account: ${errorText(e)}` };
  }
}

function PrivacyNote({ info }: { info: AppInfo | undefined }) {
  if (info?.secretsBackend === 'basic_text')
    return (
      <p className="acct-warning">
        This computer has no keyring service Solon can use, so a password typed here would be stored
        with a key that is not secret — in effect, as plain text in Solon’s data folder. A password
        command in a config file (such as <code>pass show mail/work</code>) is safer.
      </p>
    );
  return (
    <p>
      Your password is kept in the system keychain. Solon never shows it again, and sends it only to
      your mail server.
    </p>
  );
}

function AccountCard(props: { a: Account; onEdit: () => void; onRemove: () => void }) {
  const { a } = props;
  return (
    <li>
      <article className="card" aria-label={`Account ${a.id}`} data-account={a.id}>
        <header className="card-head">
          <h2>{a.id}</h2>
          <div className="acct-card-actions">
            <button type="button" onClick={props.onEdit}>
              Edit
            </button>
            <button type="button" onClick={props.onRemove}>
              Remove
            </button>
          </div>
        </header>
        <dl className="facts">
          <dt>User</dt>
          <dd>{a.user}</dd>
          <dt>Server</dt>
          <dd>
            {a.host}:{accountPort(a)} · {a.tls === 'implicit' ? 'TLS' : 'STARTTLS'}
          </dd>
          {(a.caFile !== undefined || a.insecureSkipVerify) && (
            <>
              <dt>Certificate</dt>
              <dd>
                {a.insecureSkipVerify ? (
                  <span className="badge state-auth-failed">Not verified</span>
                ) : (
                  <>Trusting {a.caFile}</>
                )}
              </dd>
            </>
          )}
          <dt>Password</dt>
          <dd>{describePasswordSource(a.password)}</dd>
          <dt>Watching</dt>
          <dd data-testid="mailboxes">{a.mailboxes.join(', ')}</dd>
        </dl>
      </article>
    </li>
  );
}

export function AccountsView() {
  const [accounts, setAccounts] = useState<Account[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [info, setInfo] = useState<AppInfo | undefined>();
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const [notice, setNotice] = useState<string | undefined>();
  const [removing, setRemoving] = useState<Account | undefined>();
  const [removeState, setRemoveState] = useState<{ busy: boolean; error?: string }>({
    busy: false,
  });
  const addButton = useRef<HTMLButtonElement>(null);
  const welcome = useRef<HTMLHeadingElement>(null);
  /** Where focus goes back to when the form closes (the button that opened it). */
  const opener = useRef<HTMLElement | null>(null);
  const focusAfter = useRef<'add' | 'welcome' | 'opener' | undefined>(undefined);

  const load = useCallback(() => {
    let live = true;
    setLoadError(undefined);
    window.solon.settings.get().then(
      (s) => live && setAccounts(s.accounts),
      (e: unknown) => live && setLoadError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    let live = true;
    // Only for the privacy note; without it the note says the usual thing.
    window.solon.app.info().then(
      (i) => live && setInfo(i),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const f = focusAfter.current;
    if (f === undefined) return;
    focusAfter.current = undefined;
    if (f === 'welcome') welcome.current?.focus();
    else if (f === 'add') addButton.current?.focus();
    else if (opener.current?.isConnected) opener.current.focus();
    else addButton.current?.focus();
  });

  const open = (m: Mode): void => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setNotice(undefined);
    setMode(m);
  };
  const close = (): void => {
    focusAfter.current = 'opener';
    setMode({ kind: 'list' });
  };

  const first = accounts?.length === 0;
  const save = async (account: Account, password: string | undefined) => {
    const r = await keep(account, password);
    if (!Array.isArray(r)) return r;
    if (first) {
      // The first account: on to Status, where it is seen connecting and then watching.
      window.location.hash = '#/status';
      return undefined;
    }
    setAccounts(r);
    setNotice(
      mode.kind === 'edit'
        ? `Saved “${account.id}”. Solon reconnects with the new settings.`
        : `Added “${account.id}”. Solon is connecting to it; see Status.`,
    );
    focusAfter.current = 'add';
    setMode({ kind: 'list' });
    return undefined;
  };

  const remove = async (a: Account): Promise<void> => {
    setRemoveState({ busy: true });
    try {
      const { accounts: now } = await window.solon.settings.get();
      const saved = await window.solon.settings.update({
        accounts: now.filter((x) => x.id !== a.id),
      });
      setRemoving(undefined);
      setRemoveState({ busy: false });
      setAccounts(saved.accounts);
      setNotice(saved.accounts.length ? `Removed “${a.id}”.` : undefined);
      focusAfter.current = saved.accounts.length ? 'add' : 'welcome';
    } catch (e) {
      setRemoveState({ busy: false, error: `Could not remove the account: ${errorText(e)}` });
    }
  };

  if (loadError !== undefined)
    return (
      <section aria-label="Accounts" className="acct-view">
        <div role="alert" className="banner error">
          Could not read the settings: {loadError}
        </div>
        <button type="button" onClick={load}>
          Try again
        </button>
      </section>
    );
  if (accounts === undefined)
    return (
      <section aria-label="Accounts" className="acct-view">
        <p className="muted">Loading…</p>
      </section>
    );

  if (accounts.length === 0)
    return (
      <section aria-label="Add your first account" className="acct-view acct-onboarding">
        <div className="acct-welcome">
          <h2 ref={welcome} tabIndex={-1}>
            Welcome to Solon
          </h2>
          <p>
            Solon watches your IMAP mailboxes and sorts new mail the moment it arrives, by rules you
            write. There is no Solon server: it connects straight from this computer to your mail
            server.
          </p>
          <PrivacyNote info={info} />
        </div>
        <AccountForm title="Add your mail account" taken={new Set()} onSave={save} />
      </section>
    );

  const taken = new Set(accounts.map((a) => a.id));
  if (mode.kind === 'add')
    return (
      <section aria-label="Accounts" className="acct-view">
        <AccountForm
          title="Add an account"
          taken={taken}
          focusOnOpen
          onSave={save}
          onCancel={close}
        />
      </section>
    );
  if (mode.kind === 'edit') {
    const a = accounts.find((x) => x.id === mode.id);
    if (a) {
      taken.delete(a.id);
      return (
        <section aria-label="Accounts" className="acct-view">
          <AccountForm
            key={a.id}
            title={`Edit “${a.id}”`}
            existing={a}
            taken={taken}
            focusOnOpen
            onSave={save}
            onCancel={close}
          />
        </section>
      );
    }
  }

  return (
    <section aria-label="Accounts" className="acct-view">
      <div className="toolbar">
        <button type="button" ref={addButton} onClick={() => open({ kind: 'add' })}>
          Add account
        </button>
      </div>
      {notice !== undefined && (
        <p role="status" className="banner acct-ok">
          {notice}
        </p>
      )}
      <ul className="acct-list">
        {accounts.map((a) => (
          <AccountCard
            key={a.id}
            a={a}
            onEdit={() => open({ kind: 'edit', id: a.id })}
            onRemove={() => {
              setRemoveState({ busy: false });
              setRemoving(a);
            }}
          />
        ))}
      </ul>
      {removing && (
        <RemoveDialog
          account={removing}
          busy={removeState.busy}
          error={removeState.error}
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => void remove(removing)}
        />
      )}
    </section>
  );
}
