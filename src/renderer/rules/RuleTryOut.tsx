import { useEffect, useId, useRef, useState } from 'react';
import type { ApplyProgress, PreviewRow } from '../../shared/contract';
import type { Rule } from '../../shared/domain/rule';
import { errorText, formatShortTime, formatTime } from '../format';
import { applySummary, previewAction, previewSummary } from './try-out';
import type { FoldersState } from './use-folders';

const LIMITS = [25, 50, 100, 200, 500] as const;

type Preview =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; rows: PreviewRow[]; rule: string; mailbox: string; limit: number }
  | { state: 'error'; message: string };

type Apply =
  | { state: 'idle' }
  | { state: 'confirm' }
  | { state: 'starting' }
  | { state: 'running'; jobId: string; progress?: ApplyProgress; cancelling: boolean }
  | { state: 'ended'; progress: ApplyProgress }
  | { state: 'error'; message: string };

/**
 * "Preview on recent mail" (a dry run of the draft over the newest messages of a mailbox) and
 * "Apply to existing mail" (the draft for real over a mailbox, with progress and Cancel). The
 * draft runs alone and as if enabled: the question is what this rule does.
 */
export function RuleTryOut(props: {
  /** The draft as a rule, or undefined while it has errors. */
  rule: Rule | undefined;
  accountId: string | undefined;
  folders: FoldersState;
}) {
  const { rule, accountId, folders } = props;
  const id = useId();
  const [mailbox, setMailbox] = useState('INBOX');
  const [limit, setLimit] = useState<number>(50);
  const [showAll, setShowAll] = useState(false);
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const [apply, setApply] = useState<Apply>({ state: 'idle' });
  const applyRef = useRef(apply);
  applyRef.current = apply;
  // Progress can arrive before rules.apply has answered with the job id: keep the newest of
  // each job until we know which one is ours.
  const early = useRef(new Map<string, ApplyProgress>());

  const runnable = rule === undefined ? undefined : { ...rule, enabled: true };
  const ruleKey = runnable === undefined ? undefined : JSON.stringify(runnable);
  const busy = apply.state === 'starting' || apply.state === 'running';
  const blocked =
    accountId === undefined
      ? 'Add an account to try rules on its mail.'
      : rule === undefined
        ? 'Fix the problems above to try this rule.'
        : undefined;

  useEffect(() => {
    return window.solon.on('rules.applyProgress', (p) => {
      const current = applyRef.current;
      if (current.state === 'running' && current.jobId === p.jobId) {
        setApply(
          p.state === 'running' ? { ...current, progress: p } : { state: 'ended', progress: p },
        );
      } else if (current.state === 'starting') {
        early.current.set(p.jobId, p);
      }
    });
  }, []);

  // The mailbox must be one of this account's folders (INBOX is always there).
  useEffect(() => {
    if (folders.state !== 'ok') return;
    if (!folders.folders.some((f) => f.path === mailbox)) setMailbox('INBOX');
  }, [folders, mailbox]);

  async function runPreview(): Promise<void> {
    if (runnable === undefined || accountId === undefined || ruleKey === undefined) return;
    setPreview({ state: 'running' });
    try {
      const rows = await window.solon.rules.preview({
        accountId,
        mailbox,
        limit,
        rules: [runnable],
      });
      setPreview({ state: 'done', rows, rule: ruleKey, mailbox, limit });
    } catch (e) {
      setPreview({ state: 'error', message: errorText(e) });
    }
  }

  async function runApply(): Promise<void> {
    if (runnable === undefined || accountId === undefined) return;
    early.current.clear();
    setApply({ state: 'starting' });
    // The run moves mail: a preview from before it no longer says where things are.
    setPreview({ state: 'idle' });
    try {
      const { jobId } = await window.solon.rules.apply({ accountId, mailbox, rules: [runnable] });
      const seen = early.current.get(jobId);
      early.current.clear();
      if (seen && seen.state !== 'running') setApply({ state: 'ended', progress: seen });
      else setApply({ state: 'running', jobId, progress: seen, cancelling: false });
    } catch (e) {
      setApply({ state: 'error', message: errorText(e) });
    }
  }

  async function cancelApply(): Promise<void> {
    if (apply.state !== 'running') return;
    setApply({ ...apply, cancelling: true });
    try {
      await window.solon.rules.cancelApply({ jobId: apply.jobId });
    } catch {
      // NOT_FOUND: the run ended meanwhile; its last event says how.
    }
  }

  const stale = preview.state === 'done' && preview.rule !== ruleKey;
  const rows =
    preview.state === 'done'
      ? showAll
        ? preview.rows
        : preview.rows.filter((r) => r.matched.length > 0 || r.error !== undefined)
      : [];

  return (
    <section className="box try-out" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Try it</h2>
      <p className="muted">
        This rule alone, as if it were on, over mail already in a mailbox
        {accountId ? ` of ${accountId}` : ''}.
      </p>
      <div className="form-row">
        <label>
          <span>Mailbox</span>
          <select value={mailbox} disabled={busy} onChange={(e) => setMailbox(e.target.value)}>
            {folders.state !== 'ok' && <option value="INBOX">INBOX</option>}
            {folders.state === 'ok' &&
              folders.folders.map((f) => (
                <option key={f.path} value={f.path}>
                  {f.decodedPath}
                </option>
              ))}
          </select>
        </label>
        <label>
          <span>Preview</span>
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMITS.map((n) => (
              <option key={n} value={n}>
                Newest {n}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={blocked !== undefined || preview.state === 'running'}
          onClick={() => void runPreview()}
        >
          {preview.state === 'running' ? 'Previewing…' : 'Preview on recent mail'}
        </button>
        <button
          type="button"
          disabled={blocked !== undefined || busy || apply.state === 'confirm'}
          onClick={() => setApply({ state: 'confirm' })}
        >
          Apply to existing mail…
        </button>
      </div>
      {blocked && <p className="muted blocked-note">{blocked}</p>}

      {apply.state === 'confirm' && (
        <div className="confirm" role="group" aria-label="Confirm apply">
          <p>
            Run this rule for real over every message in <strong>{mailbox}</strong>
            {accountId ? ` on ${accountId}` : ''}? Messages it matches are changed on the server
            now; Activity cannot undo this run.
          </p>
          <div className="buttons">
            <button type="button" className="primary" onClick={() => void runApply()}>
              Apply now
            </button>
            <button type="button" onClick={() => setApply({ state: 'idle' })}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {(apply.state === 'starting' || apply.state === 'running') && (
        <div className="apply-progress" role="group" aria-label="Apply progress">
          <progress
            aria-label="Apply progress"
            max={
              apply.state === 'running' && apply.progress ? Math.max(1, apply.progress.total) : 1
            }
            value={apply.state === 'running' && apply.progress ? apply.progress.done : undefined}
          />
          <span className="muted" role="status">
            {apply.state === 'running' && apply.progress
              ? `${apply.progress.done} of ${apply.progress.total} messages, ${apply.progress.acted} changed`
              : 'Starting…'}
          </span>
          <button
            type="button"
            disabled={apply.state !== 'running' || apply.cancelling}
            onClick={() => void cancelApply()}
          >
            {apply.state === 'running' && apply.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      )}
      {apply.state === 'ended' && (
        <div
          className={`apply-result ${apply.progress.state}`}
          role="status"
          data-testid="apply-result"
          data-state={apply.progress.state}
          data-done={apply.progress.done}
          data-total={apply.progress.total}
        >
          <p>{applySummary(apply.progress)}</p>
          {apply.progress.errors.length > 0 && (
            <ul className="error-list">
              {apply.progress.errors.slice(0, 5).map((e) => (
                <li key={e.uid}>
                  Message {e.uid}: {e.error}
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => setApply({ state: 'idle' })}>
            Dismiss
          </button>
        </div>
      )}
      {apply.state === 'error' && (
        <p role="alert" className="banner error">
          Could not apply: {apply.message}
        </p>
      )}

      {preview.state === 'error' && (
        <p role="alert" className="banner error">
          Could not preview: {preview.message}
        </p>
      )}
      {preview.state === 'done' && (
        <div className="preview" data-testid="preview">
          <div className="preview-head">
            <p role="status" data-testid="preview-summary">
              {previewSummary(preview.rows, preview.mailbox)}
            </p>
            <label className="check">
              <input
                type="checkbox"
                checked={showAll}
                onChange={(e) => setShowAll(e.target.checked)}
              />
              <span>Show messages that do not match</span>
            </label>
          </div>
          {stale && (
            <p className="banner warn">
              The rule changed since this preview.{' '}
              <button
                type="button"
                disabled={blocked !== undefined}
                onClick={() => void runPreview()}
              >
                Preview again
              </button>
            </p>
          )}
          {rows.length > 0 && (
            <table className="preview-table">
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Date</th>
                  <th scope="col">What would happen</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr
                    key={r.uid}
                    className={r.matched.length > 0 ? 'match' : 'no-match'}
                    data-uid={r.uid}
                  >
                    <td className="clip" title={r.from}>
                      {r.from}
                    </td>
                    <td className="clip" title={r.subject} data-testid="preview-subject">
                      {r.subject || '(no subject)'}
                    </td>
                    <td className="nowrap" title={r.date ? formatTime(r.date) : undefined}>
                      {r.date ? formatShortTime(r.date) : '—'}
                    </td>
                    <td>
                      {r.error ? (
                        <span className="error-text">{r.error}</span>
                      ) : r.matched.length > 0 ? (
                        previewAction(r)
                      ) : (
                        <span className="muted">no match</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
