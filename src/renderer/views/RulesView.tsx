import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RuleProblem } from '../../shared/contract';
import type { Rule } from '../../shared/domain/rule';
import { errorText } from '../format';

function describeCondition(c: Rule['conditions'][number]): string {
  const parts = c as {
    field: string;
    op: string;
    value?: unknown;
    header?: string;
    negate?: boolean;
  };
  const field = parts.field === 'header' && parts.header ? `header ${parts.header}` : parts.field;
  const v = parts.value;
  const value = typeof v === 'string' || typeof v === 'number' ? ` “${v}”` : '';
  return `${parts.negate ? 'not ' : ''}${field} ${parts.op}${value}`;
}

function describeAction(a: Rule['actions'][number]): string {
  const { type, ...rest } = a as { type: string } & Record<string, unknown>;
  const arg = Object.values(rest).filter((v) => typeof v === 'string' || typeof v === 'number');
  return arg.length ? `${type} ${arg.join(' ')}` : type;
}

/** Checks a regular expression the way saving a rule would (rules.validate), error at the field. */
function RegexCheck() {
  const id = useId();
  const [value, setValue] = useState('');
  const [result, setResult] = useState<{ ok: boolean; message: string } | undefined>();
  const [busy, setBusy] = useState(false);

  async function check(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await window.solon.rules.validate({
        rules: [
          {
            id: 'regex-check',
            name: 'Regex check',
            conditions: [{ field: 'subject', op: 'matches', value }],
            actions: [{ type: 'flag' }],
          },
        ],
      });
      const problem: RuleProblem | undefined =
        r.errors.find((p) => p.path.includes('conditions')) ?? r.errors[0];
      setResult(
        r.ok
          ? { ok: true, message: 'This pattern can be used in a rule.' }
          : { ok: false, message: problem?.message ?? 'Not valid' },
      );
    } catch (err) {
      setResult({ ok: false, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  const invalid = result !== undefined && !result.ok;
  return (
    <form className="regex-check" onSubmit={(e) => void check(e)} aria-label="Check a regex">
      <h2>Check a regex</h2>
      <label htmlFor={`${id}-input`}>Pattern</label>
      <div className="row">
        <input
          id={`${id}-input`}
          type="text"
          spellCheck={false}
          autoComplete="off"
          value={value}
          aria-invalid={invalid}
          aria-describedby={result ? `${id}-msg` : undefined}
          onChange={(e) => {
            setValue(e.target.value);
            setResult(undefined);
          }}
        />
        <button type="submit" disabled={busy || value === ''}>
          Check
        </button>
      </div>
      {result && (
        <p
          id={`${id}-msg`}
          role={result.ok ? 'status' : 'alert'}
          className={result.ok ? 'field-ok' : 'field-error'}
        >
          {result.message}
        </p>
      )}
    </form>
  );
}

export function RulesView() {
  const [rules, setRules] = useState<Rule[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    window.solon.rules.get().then(
      (r) => live && setRules(r),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  return (
    <section aria-label="Rules">
      {error && (
        <p role="alert" className="banner error">
          {error}
        </p>
      )}
      {rules === undefined && !error && <p className="muted">Loading…</p>}
      {rules?.length === 0 && (
        <div className="empty">
          <p>No rules yet. Mail is left where it arrives until you add one.</p>
        </div>
      )}
      {rules !== undefined && rules.length > 0 && (
        <ol className="rules">
          {rules.map((r) => (
            <li key={r.id} className="card rule" data-rule={r.id}>
              <div className="card-head">
                <h2>{r.name}</h2>
                {r.enabled === false && <span className="badge">Off</span>}
              </div>
              <p className="muted">
                When {r.match === 'any' ? 'any' : 'all'} of:{' '}
                {r.conditions.map(describeCondition).join('; ')}
              </p>
              <p>Then: {r.actions.map(describeAction).join(', ')}</p>
            </li>
          ))}
        </ol>
      )}
      <RegexCheck />
    </section>
  );
}
