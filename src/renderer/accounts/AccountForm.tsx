import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ConnectionTest, FolderInfo } from '../../shared/contract';
import type { Account, TlsMode } from '../../shared/domain/account';
import { errorText } from '../format';
import {
  buildAccount,
  connectionFields,
  describePasswordSource,
  draftKey,
  draftOf,
  editConnection,
  fieldOfFailure,
  firstField,
  needsTest,
  newDraft,
  portPlaceholder,
  saveAnywayAllowed,
  type AccountDraft,
  type Field,
  type FieldErrors,
  type TestFailureKind,
} from './draft';

/** A problem saving met, shown at its field when it names one. */
export interface SaveProblem {
  field?: Field;
  message: string;
}

type Passed = Extract<ConnectionTest, { ok: true }>;
type TestState =
  | { state: 'idle' }
  | { state: 'testing'; key: string }
  | { state: 'ok'; key: string; result: Passed }
  | { state: 'failed'; key: string; kind: TestFailureKind; message: string };

const specialUseLabel: Record<string, string> = {
  '\\Sent': 'sent mail',
  '\\Drafts': 'drafts',
  '\\Trash': 'trash',
  '\\Junk': 'junk',
  '\\Archive': 'archive',
  '\\All': 'all mail',
  '\\Flagged': 'flagged',
};

const tlsLabel: Record<TlsMode, string> = {
  implicit: 'TLS (usually port 993)',
  starttls: 'STARTTLS (usually port 143)',
};

/** A labelled field: the control, a hint under it, and its problem (announced) under that. */
function Row(props: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={`acct-field ${props.className ?? ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint !== undefined && (
        <p id={`${props.id}-hint`} className="acct-hint">
          {props.hint}
        </p>
      )}
      {props.error !== undefined && (
        <p id={`${props.id}-error`} role="alert" className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * Add or edit one account: the connection fields, "Test connection" (which also lists the
 * server's folders for the mailbox picker) and Save. Saving itself (keychain, settings) is the
 * caller's: `onSave` answers a problem to show, or nothing when the account was kept.
 */
export function AccountForm(props: {
  /** The saved account being edited; absent for a new one. */
  existing?: Account;
  /** The other accounts' ids: a new account's id must differ. */
  taken: ReadonlySet<string>;
  title: string;
  /** Move focus to the form's heading when it opens (it replaced what had focus). */
  focusOnOpen?: boolean;
  onSave: (account: Account, password: string | undefined) => Promise<SaveProblem | undefined>;
  onCancel?: () => void;
}) {
  const { existing, taken } = props;
  const uid = useId();
  const id = (f: string): string => `${uid}-${f}`;
  const [draft, setDraft] = useState<AccountDraft>(() =>
    existing ? draftOf(existing) : newDraft(),
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [test, setTest] = useState<TestState>({ state: 'idle' });
  const [folders, setFolders] = useState<FolderInfo[] | undefined>();
  const [foldersState, setFoldersState] = useState<{ loading: boolean; error?: string }>({
    loading: existing !== undefined,
  });
  const [saving, setSaving] = useState(false);
  const [showPassword, setShowPassword] = useState(false);
  const [advanced, setAdvanced] = useState(
    () => existing !== undefined && (existing.caFile !== undefined || existing.insecureSkipVerify),
  );
  const controls = useRef<Partial<Record<Field, HTMLElement | null>>>({});
  const heading = useRef<HTMLHeadingElement>(null);
  const live = useRef(true);
  const currentKey = draftKey(draft);
  const keyRef = useRef(currentKey);
  keyRef.current = currentKey;
  const pendingFocus = useRef<Field | undefined>(undefined);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  useEffect(() => {
    if (props.focusOnOpen) heading.current?.focus();
  }, [props.focusOnOpen]);

  // Focus moves to a field with a problem once it is rendered (an Advanced field may only just
  // have been disclosed).
  useEffect(() => {
    const f = pendingFocus.current;
    if (f === undefined) return;
    pendingFocus.current = undefined;
    controls.current[f]?.focus();
  });

  const loadFolders = async (accountId: string): Promise<void> => {
    setFoldersState({ loading: true });
    try {
      const list = await window.solon.accounts.folders({ accountId });
      if (!live.current) return;
      setFolders(list);
      setFoldersState({ loading: false });
    } catch (e) {
      if (live.current) setFoldersState({ loading: false, error: errorText(e) });
    }
  };

  // A saved account's folders for the picker, from the server (with its saved password).
  const existingId = existing?.id;
  useEffect(() => {
    // The list arrives later; nothing is waited on here (errors are shown by loadFolders).
    if (existingId !== undefined) void loadFolders(existingId);
  }, [existingId]);

  /**
   * Show problems at their fields and move focus to the first of them. `replace`: a whole new
   * validation (other fields' old problems go); otherwise they are added to those shown.
   */
  const showErrors = (e: FieldErrors, replace: boolean): void => {
    setErrors((prev) => (replace ? e : { ...prev, ...e }));
    const f = firstField(e);
    if (f === 'caFile' || f === 'insecureSkipVerify') setAdvanced(true);
    pendingFocus.current = f;
  };

  const edit = (patch: Partial<AccountDraft>, ...touched: Field[]): void => {
    setDraft((d) =>
      'user' in patch || 'host' in patch
        ? editConnection({ ...d, ...patch }, {}, taken)
        : { ...d, ...patch },
    );
    setErrors((e) => {
      if (!touched.some((f) => e[f] !== undefined)) return e;
      const next = { ...e };
      for (const f of touched) delete next[f];
      return next;
    });
    if (touched.some((f) => connectionFields.includes(f))) setFormError(undefined);
  };

  /** Run "Test connection" on the draft as it is; true when it passed. */
  const runTest = async (): Promise<boolean> => {
    const built = buildAccount(draft, { existing, taken, forTest: true });
    if (!built.ok) {
      showErrors(built.errors, false);
      return false;
    }
    const key = currentKey;
    setTest({ state: 'testing', key });
    setFormError(undefined);
    setErrors((e) => {
      const next = { ...e };
      for (const f of connectionFields) delete next[f];
      return next;
    });
    let r: ConnectionTest;
    try {
      r = await window.solon.accounts.test(
        draft.password === ''
          ? { account: built.account }
          : { account: built.account, password: draft.password },
      );
    } catch (e) {
      r = { ok: false, kind: 'other', message: errorText(e) };
    }
    if (!live.current) return false;
    // The user changed the connection while it ran: this answer is about something else.
    if (keyRef.current !== key) {
      setTest({ state: 'idle' });
      return false;
    }
    if (r.ok) {
      setTest({ state: 'ok', key, result: r });
      setFolders(r.folders);
      setFoldersState({ loading: false });
      return true;
    }
    setTest({ state: 'failed', key, kind: r.kind, message: r.message });
    const f = fieldOfFailure(r.kind, draft);
    if (f) showErrors({ [f]: r.message }, false);
    return false;
  };

  const save = async (anyway: boolean): Promise<void> => {
    setFormError(undefined);
    const built = buildAccount(draft, { existing, taken });
    if (!built.ok) {
      showErrors(built.errors, true);
      return;
    }
    const passed = test.state === 'ok' && test.key === currentKey;
    if (!anyway && !passed && needsTest(built.account, draft.password, existing)) {
      if (!(await runTest())) return;
    }
    setSaving(true);
    let problem: SaveProblem | undefined;
    try {
      problem = await props.onSave(
        built.account,
        draft.password === '' ? undefined : draft.password,
      );
    } catch (e) {
      problem = { message: errorText(e) };
    }
    if (!live.current) return;
    setSaving(false);
    if (problem?.field) showErrors({ [problem.field]: problem.message }, false);
    else if (problem) setFormError(problem.message);
  };

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    // The outcome is shown in the form; nothing waits on it.
    void save(false);
  };

  /** The control's id, its invalid state and the hint and problem that describe it. */
  const a11y = (f: Field, hasHint: boolean) => {
    const described = [
      hasHint ? `${id(f)}-hint` : '',
      errors[f] !== undefined ? `${id(f)}-error` : '',
    ].filter(Boolean);
    return {
      id: id(f),
      'aria-invalid': errors[f] !== undefined,
      'aria-describedby': described.length ? described.join(' ') : undefined,
      ref: (el: HTMLElement | null) => {
        controls.current[f] = el;
      },
    };
  };

  const testing = test.state === 'testing';
  const current = test.state !== 'idle' && test.key === currentKey;
  const failedHere =
    test.state === 'failed' && current && fieldOfFailure(test.kind, draft) === undefined;
  const canSaveAnyway = test.state === 'failed' && current && saveAnywayAllowed(test.kind);
  const source = existing?.password;
  const keychain = source === undefined || 'keychain' in source;
  const port = draft.port.trim() || portPlaceholder(draft.tls);

  // The picker: the server's folders, plus any chosen mailbox the server did not list.
  const listed = new Set(folders?.map((f) => f.path));
  const rows: { path: string; label: string; note?: string }[] = [
    ...(folders ?? []).map((f) => ({
      path: f.path,
      label: f.decodedPath,
      note: f.specialUse ? specialUseLabel[f.specialUse] : undefined,
    })),
    ...draft.mailboxes
      .filter((m) => !listed.has(m))
      .map((m) => ({
        path: m,
        label: m,
        note: folders ? 'not found on the server' : undefined,
      })),
  ];
  const toggle = (path: string, on: boolean): void => {
    const order = new Map(rows.map((r, i) => [r.path, i]));
    const next = on
      ? [...draft.mailboxes, path].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
      : draft.mailboxes.filter((m) => m !== path);
    edit({ mailboxes: next }, 'mailboxes');
  };

  return (
    <form className="acct-form card" onSubmit={onSubmit} aria-labelledby={id('title')} noValidate>
      <h2 id={id('title')} ref={heading} tabIndex={-1}>
        {props.title}
      </h2>

      <Row id={id('user')} label="User name" hint="Usually your email address." error={errors.user}>
        <input
          type="text"
          autoComplete="username"
          spellCheck={false}
          value={draft.user}
          onChange={(e) => edit({ user: e.target.value }, 'user', 'id')}
          {...a11y('user', true)}
        />
      </Row>

      <div className="acct-field-row">
        <Row id={id('host')} label="IMAP server" error={errors.host} className="acct-grow">
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="imap.example.com"
            value={draft.host}
            onChange={(e) => edit({ host: e.target.value }, 'host', 'id')}
            {...a11y('host', false)}
          />
        </Row>
        <Row id={id('port')} label="Port" error={errors.port} className="acct-port">
          <input
            type="text"
            inputMode="numeric"
            autoComplete="off"
            placeholder={portPlaceholder(draft.tls)}
            value={draft.port}
            onChange={(e) => edit({ port: e.target.value }, 'port')}
            {...a11y('port', false)}
          />
        </Row>
      </div>

      <Row id={id('tls')} label="Security" error={errors.tls}>
        <select
          value={draft.tls}
          onChange={(e) => edit({ tls: e.target.value as TlsMode }, 'tls')}
          {...a11y('tls', false)}
        >
          {(Object.keys(tlsLabel) as TlsMode[]).map((m) => (
            <option key={m} value={m}>
              {tlsLabel[m]}
            </option>
          ))}
        </select>
      </Row>

      {keychain ? (
        <Row
          id={id('password')}
          label="Password"
          error={errors.password}
          hint={
            existing
              ? 'A password is saved in the system keychain. Leave this empty to keep it, or type a new one to replace it.'
              : 'Kept in the system keychain; Solon never shows it again.'
          }
        >
          <div className="acct-with-button">
            <input
              type={showPassword ? 'text' : 'password'}
              autoComplete="off"
              spellCheck={false}
              placeholder={existing ? 'Saved — type to replace' : undefined}
              value={draft.password}
              onChange={(e) => edit({ password: e.target.value }, 'password')}
              {...a11y('password', true)}
            />
            <button
              type="button"
              aria-pressed={showPassword}
              aria-controls={id('password')}
              onClick={() => setShowPassword((s) => !s)}
            >
              {showPassword ? 'Hide' : 'Show'}
            </button>
          </div>
        </Row>
      ) : (
        <Row
          id={id('password')}
          label="Password"
          error={errors.password}
          hint={
            'command' in source
              ? 'This account comes from a config file: Solon runs this command each time it needs the password and never stores it. To change the password, change what the command prints.'
              : 'This account comes from a config file: Solon reads the password from this variable of its environment and never stores it. To change the password, change the variable and restart Solon.'
          }
        >
          <input
            type="text"
            readOnly
            className="acct-readonly"
            value={describePasswordSource(source)}
            {...a11y('password', true)}
          />
        </Row>
      )}

      <Row
        id={id('id')}
        label="Account name"
        error={errors.id}
        hint={
          existing
            ? 'Fixed: it names this account’s data folder.'
            : 'Names the account in Solon and its data folder. It cannot be changed once saved.'
        }
      >
        <input
          type="text"
          autoComplete="off"
          spellCheck={false}
          readOnly={existing !== undefined}
          className={existing ? 'acct-readonly' : undefined}
          value={draft.id}
          onChange={(e) => edit({ id: e.target.value, idTouched: e.target.value !== '' }, 'id')}
          {...a11y('id', true)}
        />
      </Row>

      <details
        className="acct-advanced"
        open={advanced}
        onToggle={(e) => setAdvanced(e.currentTarget.open)}
      >
        <summary>Advanced</summary>
        <Row
          id={id('caFile')}
          label="CA certificate file"
          error={errors.caFile}
          hint="A PEM file to trust in addition to the system’s certificates: for a server with a self-signed certificate or a private CA."
        >
          <input
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="/path/to/ca.pem"
            value={draft.caFile}
            onChange={(e) => edit({ caFile: e.target.value }, 'caFile')}
            {...a11y('caFile', true)}
          />
        </Row>
        <div className="acct-field acct-check">
          <input
            type="checkbox"
            checked={draft.insecureSkipVerify}
            onChange={(e) => edit({ insecureSkipVerify: e.target.checked }, 'insecureSkipVerify')}
            {...a11y('insecureSkipVerify', draft.insecureSkipVerify)}
          />
          <label htmlFor={id('insecureSkipVerify')}>Skip certificate verification</label>
          {draft.insecureSkipVerify && (
            <p id={`${id('insecureSkipVerify')}-hint`} className="acct-warning">
              Solon will not check that it is talking to your server: anyone on the way could read
              your password and your mail. Use this only for a server you run, on a network you
              trust. Naming its certificate as the CA file above is safer.
            </p>
          )}
        </div>
      </details>

      <div className="acct-test-row">
        <button type="button" disabled={testing || saving} onClick={() => void runTest()}>
          Test connection
        </button>
        <div role="status" className="acct-test-result">
          {test.state === 'testing' && (
            <span className="muted">
              Connecting to {draft.host.trim()}:{port}…
            </span>
          )}
          {test.state === 'ok' && current && (
            <span className="field-ok">
              Connected.{' '}
              {test.result.move
                ? 'The server supports IDLE and MOVE: new mail is seen as it arrives and moved in one step.'
                : 'The server supports IDLE (new mail is seen as it arrives) but not MOVE: moving is done as copy, then delete.'}
            </span>
          )}
        </div>
      </div>
      {failedHere && test.state === 'failed' && (
        <p role="alert" className="field-error acct-form-error">
          {test.message}
        </p>
      )}

      <fieldset
        className="acct-mailboxes"
        tabIndex={-1}
        ref={(el) => {
          controls.current.mailboxes = el;
        }}
        aria-describedby={errors.mailboxes ? id('mailboxes-error') : undefined}
      >
        <legend>Mailboxes to watch</legend>
        {folders === undefined && !foldersState.loading && !foldersState.error && (
          <p className="muted">
            Test the connection to choose from this account’s folders. Until then, Solon watches
            INBOX.
          </p>
        )}
        {foldersState.loading && <p className="muted">Loading the folders…</p>}
        {foldersState.error !== undefined && existing && (
          <div className="acct-folders-error">
            <p className="field-error">Could not list the folders: {foldersState.error}</p>
            <button type="button" onClick={() => void loadFolders(existing.id)}>
              Try again
            </button>
          </div>
        )}
        {rows.length > 0 && (
          <ul className="acct-folder-list">
            {rows.map((r, i) => (
              <li key={r.path}>
                <input
                  type="checkbox"
                  id={id(`box-${i}`)}
                  checked={draft.mailboxes.includes(r.path)}
                  onChange={(e) => toggle(r.path, e.target.checked)}
                  aria-describedby={r.note !== undefined ? id(`box-${i}-note`) : undefined}
                />
                <label htmlFor={id(`box-${i}`)}>{r.label}</label>
                {r.note !== undefined && (
                  <span id={id(`box-${i}-note`)} className="muted acct-note">
                    {r.note}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        <p className="acct-hint">Each mailbox watched keeps one connection to the server open.</p>
        {errors.mailboxes !== undefined && (
          <p id={id('mailboxes-error')} role="alert" className="field-error">
            {errors.mailboxes}
          </p>
        )}
      </fieldset>

      {formError !== undefined && (
        <p role="alert" className="field-error acct-form-error">
          {formError}
        </p>
      )}
      <div className="acct-form-actions">
        <button type="submit" className="acct-primary" disabled={saving || testing}>
          {existing ? 'Save' : 'Add account'}
        </button>
        {canSaveAnyway && (
          <button type="button" disabled={saving || testing} onClick={() => void save(true)}>
            {existing ? 'Save anyway' : 'Add anyway'}
          </button>
        )}
        {props.onCancel && (
          <button type="button" disabled={saving} onClick={props.onCancel}>
            Cancel
          </button>
        )}
        {saving && <span className="muted">Saving…</span>}
      </div>
    </form>
  );
}
