import { useEffect, useId, useState } from 'react';
import type { CategoryTest, RecentMessage } from '../../shared/contract';
import type { Category } from '../../shared/domain/rule';
import { errorText, formatShortTime } from '../format';
import { useFolders } from '../rules/use-folders';

const RECENT = 30;

const byLabel: Record<CategoryTest['by'], string> = {
  rule: 'a rule',
  llm: 'the language model',
  none: 'nobody',
};

type Messages =
  | { state: 'loading' }
  | { state: 'ok'; list: RecentMessage[] }
  | { state: 'error'; message: string };

type Result =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'ok'; test: CategoryTest }
  | { state: 'error'; message: string };

/**
 * Classify one recent message the way the engine would (saved rules first, then the model),
 * acting on nothing. `categories` tries a draft list instead of the saved one.
 */
export function CategoryTestPanel(props: {
  accounts: readonly string[];
  /** Draft categories to try; undefined tests the saved ones. */
  categories: Category[] | undefined;
  /** Why testing is not possible now (the draft has problems). */
  blocked?: string;
}) {
  const id = useId();
  const [accountId, setAccountId] = useState(props.accounts[0]);
  const { folders } = useFolders(accountId);
  const [mailbox, setMailbox] = useState('INBOX');
  const [messages, setMessages] = useState<Messages>({ state: 'loading' });
  const [uid, setUid] = useState<number | undefined>();
  const [result, setResult] = useState<Result>({ state: 'idle' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (accountId === undefined) return;
    let live = true;
    setMessages({ state: 'loading' });
    setUid(undefined);
    setResult({ state: 'idle' });
    window.solon.messages.recent({ accountId, mailbox, limit: RECENT }).then(
      (list) => {
        if (!live) return;
        setMessages({ state: 'ok', list });
        setUid(list[0]?.uid);
      },
      (e: unknown) => live && setMessages({ state: 'error', message: errorText(e) }),
    );
    return () => {
      live = false;
    };
  }, [accountId, mailbox, generation]);

  if (accountId === undefined) {
    return (
      <section className="box category-test" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Test on a message</h2>
        <p className="muted">
          Add an account (<a href="#/accounts">Accounts</a>) to test categories on its mail.
        </p>
      </section>
    );
  }

  async function run(): Promise<void> {
    if (accountId === undefined || uid === undefined) return;
    setResult({ state: 'running' });
    try {
      const args = { accountId, mailbox, uid };
      const test = await window.solon.categories.test(
        props.categories ? { ...args, categories: props.categories } : args,
      );
      setResult({ state: 'ok', test });
    } catch (e) {
      setResult({ state: 'error', message: errorText(e) });
    }
  }

  const list = messages.state === 'ok' ? messages.list : [];
  return (
    <section className="box category-test" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Test on a message</h2>
      <p className="muted">
        Sorts one message as new mail would be — rules first, then the model — without touching it.
        {props.categories ? ' Uses the category as edited above, saved or not.' : ''}
      </p>
      <div className="form-row">
        {props.accounts.length > 1 && (
          <label>
            <span>Account</span>
            <select value={accountId} onChange={(e) => setAccountId(e.target.value)}>
              {props.accounts.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          <span>Mailbox</span>
          <select value={mailbox} onChange={(e) => setMailbox(e.target.value)}>
            {folders.state !== 'ok' && <option value="INBOX">INBOX</option>}
            {folders.state === 'ok' &&
              folders.folders.map((f) => (
                <option key={f.path} value={f.path}>
                  {f.decodedPath}
                </option>
              ))}
          </select>
        </label>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          Reload messages
        </button>
      </div>
      <div className="test-body">
        <label className="message-pick">
          <span>Message</span>
          <select
            size={8}
            value={uid === undefined ? '' : String(uid)}
            disabled={list.length === 0}
            onChange={(e) => {
              setUid(Number(e.target.value));
              setResult({ state: 'idle' });
            }}
          >
            {list.map((m) => (
              <option key={m.uid} value={m.uid}>
                {`${m.subject || '(no subject)'} — ${m.from}${m.date ? ` · ${formatShortTime(m.date)}` : ''}`}
              </option>
            ))}
          </select>
        </label>
        {messages.state === 'loading' && <p className="muted">Loading messages…</p>}
        {messages.state === 'ok' && list.length === 0 && (
          <p className="muted">{mailbox} is empty.</p>
        )}
        {messages.state === 'error' && (
          <p role="alert" className="field-error">
            Could not list {mailbox}: {messages.message}
          </p>
        )}
      </div>
      <div className="form-foot">
        <button
          type="button"
          className="primary"
          disabled={uid === undefined || result.state === 'running' || props.blocked !== undefined}
          onClick={() => void run()}
        >
          {result.state === 'running' ? 'Testing…' : 'Test'}
        </button>
        {props.blocked && <span className="muted">{props.blocked}</span>}
      </div>
      {result.state === 'error' && (
        <p role="alert" className="banner error">
          Could not test: {result.message}
        </p>
      )}
      {result.state === 'ok' && <TestResult test={result.test} />}
    </section>
  );
}

function TestResult({ test }: { test: CategoryTest }) {
  return (
    <div className="test-outcome" role="status" data-testid="category-test">
      <p className="outcome-head">
        {test.category ? (
          <>
            Category <strong data-testid="test-category">{test.category}</strong>
          </>
        ) : (
          <span data-testid="test-category">No category</span>
        )}
      </p>
      <dl className="facts">
        <dt>Message</dt>
        <dd>
          {test.subject || '(no subject)'} — {test.from}
        </dd>
        <dt>Decided by</dt>
        <dd data-testid="test-by">{byLabel[test.by]}</dd>
        {test.rule && (
          <>
            <dt>Rule</dt>
            <dd data-testid="test-rule">{test.rule}</dd>
          </>
        )}
        {test.answer !== undefined && (
          <>
            <dt>Model answer</dt>
            <dd className="answer">{test.answer}</dd>
          </>
        )}
        {test.reason && (
          <>
            <dt>Why</dt>
            <dd>{test.reason}</dd>
          </>
        )}
        <dt>Took</dt>
        <dd>{Math.round(test.ms)} ms</dd>
      </dl>
    </div>
  );
}
