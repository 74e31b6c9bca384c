import { useId, useState, type FormEvent } from 'react';
import type { LlmTest } from '../../shared/contract';
import type { AppSettings, LlmSettings } from '../../shared/domain/settings';
import { errorText } from '../format';
import { isUnsupported, NotHere, Toggle } from './controls';
import {
  apiKeySource,
  boundsOf,
  changedFields,
  draftFrom,
  fieldErrorOf,
  isDirty,
  llmFields,
  readDraft,
  type FieldErrors,
  type LlmDraft,
  type LlmField,
  type LlmFieldKey,
} from './llm-form';

type Save = (patch: { llm: Partial<LlmSettings> }) => Promise<AppSettings>;

type TestState =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; result: LlmTest }
  | { kind: 'unsupported' }
  | { kind: 'failed'; message: string };

function Field(props: {
  field: LlmField;
  id: string;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
}) {
  const { field: f, id } = props;
  const bounds = f.kind === 'number' ? boundsOf(f) : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{f.label}</label>
      <div className="field-input">
        <input
          id={id}
          name={f.key}
          type={f.kind === 'number' ? 'number' : f.kind === 'url' ? 'url' : 'text'}
          inputMode={f.kind === 'number' ? 'numeric' : undefined}
          min={bounds?.min}
          max={bounds?.max}
          step={bounds?.step}
          spellCheck={false}
          autoComplete="off"
          placeholder={f.placeholder}
          value={props.value}
          aria-invalid={props.error !== undefined}
          aria-describedby={`${id}-hint${props.error ? ` ${id}-error` : ''}`}
          className={f.kind === 'number' ? 'narrow' : undefined}
          onChange={(e) => props.onChange(e.target.value)}
        />
        {f.unit && <span className="unit">{f.unit}</span>}
      </div>
      {props.error && (
        <p id={`${id}-error`} className="field-error">
          {props.error}
        </p>
      )}
      <p id={`${id}-hint`} className="setting-hint">
        {f.key === 'timeoutMs' && bounds?.max !== undefined
          ? `${f.hint} At most ${bounds.max} s.`
          : f.hint}
      </p>
    </div>
  );
}

/** The language model: on/off, where it is, how long to wait; a write-only API key; a test. */
export function LlmSection({ saved, save }: { saved: LlmSettings; save: Save }) {
  const id = useId();
  const [draft, setDraft] = useState<LlmDraft>(() => draftFrom(saved));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [savedNote, setSavedNote] = useState(false);
  const [test, setTest] = useState<TestState>({ kind: 'idle' });
  const dirty = isDirty(draft, saved);

  function edit(key: LlmFieldKey, value: string) {
    setDraft((d) => ({ ...d, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
    setSavedNote(false);
  }

  /** The typed values, or undefined (with the problems shown at their fields). */
  function checked(): Partial<LlmSettings> | undefined {
    const r = readDraft(draft);
    setErrors(r.errors);
    if (Object.values(r.errors).some(Boolean)) {
      focusFirstInvalid(r.errors);
      return undefined;
    }
    return r.values;
  }

  function focusFirstInvalid(errs: FieldErrors) {
    const first = llmFields.find((f) => errs[f.key]);
    if (first) document.getElementById(`${id}-${first.key}`)?.focus();
  }

  function showError(e: unknown) {
    const at = fieldErrorOf(e);
    if (at) {
      const errs = { [at.key]: at.message };
      setErrors(errs);
      focusFirstInvalid(errs);
    } else setFormError(errorText(e));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    setSavedNote(false);
    const values = checked();
    if (!values) return;
    const patch = changedFields(values, saved);
    if (Object.keys(patch).length === 0) return;
    setSaving(true);
    try {
      const next = await save({ llm: patch });
      setDraft(draftFrom(next.llm));
      setSavedNote(true);
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  }

  async function runTest() {
    if (test.kind === 'running') return; // not disabled: that would drop the keyboard focus
    setFormError(undefined);
    const values = checked();
    if (!values) return;
    setTest({ kind: 'running' });
    try {
      // The unsaved fields are tried instead of the saved ones; nothing is saved.
      const result = await window.solon.llm.test(changedFields(values, saved));
      setTest({ kind: 'done', result });
    } catch (err) {
      if (isUnsupported(err)) setTest({ kind: 'unsupported' });
      else if (fieldErrorOf(err)) {
        setTest({ kind: 'idle' });
        showError(err);
      } else setTest({ kind: 'failed', message: errorText(err) });
    }
  }

  return (
    <section className="settings-group" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Language model</h2>
      <div className="panel">
        <Toggle
          label="Use a language model for categories"
          hint="When no rule decides, a model you run yourself picks one of your categories. Nothing is sent anywhere else."
          checked={saved.enabled}
          onSave={(enabled) => save({ llm: { enabled } })}
        />
        <form
          className="setting-form"
          aria-label="Language model endpoint"
          noValidate
          onSubmit={(e) => void submit(e)}
        >
          {llmFields.map((f) => (
            <Field
              key={f.key}
              field={f}
              id={`${id}-${f.key}`}
              value={draft[f.key]}
              error={errors[f.key]}
              onChange={(v) => edit(f.key, v)}
            />
          ))}
          {formError && (
            <p role="alert" className="field-error">
              {formError}
            </p>
          )}
          <div className="form-actions">
            <button
              type="button"
              aria-busy={test.kind === 'running'}
              onClick={() => void runTest()}
            >
              {test.kind === 'running' ? 'Testing…' : 'Test endpoint'}
            </button>
            <span className="spacer" />
            <span role="status" className="saved-note">
              {savedNote && !dirty ? 'Saved.' : ''}
            </span>
            <button
              type="button"
              disabled={!dirty || saving}
              onClick={() => {
                setDraft(draftFrom(saved));
                setErrors({});
                setFormError(undefined);
              }}
            >
              Revert
            </button>
            <button type="submit" className="primary" disabled={!dirty || saving}>
              Save
            </button>
          </div>
          <TestResult state={test} onPick={(model) => edit('model', model)} current={draft.model} />
        </form>
        <ApiKey saved={saved} />
      </div>
    </section>
  );
}

function TestResult(props: { state: TestState; current: string; onPick: (model: string) => void }) {
  const s = props.state;
  // One live region, always there, so the answer is announced and nothing below it jumps.
  return (
    <div className="test-result" aria-live="polite">
      {s.kind === 'unsupported' && (
        <NotHere>Testing the endpoint is not available here; it works in the desktop app.</NotHere>
      )}
      {s.kind === 'failed' && <p className="field-error">Could not test: {s.message}</p>}
      {s.kind === 'done' && !s.result.ok && (
        <p className="field-error">
          No answer ({s.result.ms} ms): {s.result.message}
        </p>
      )}
      {s.kind === 'done' && s.result.ok && (
        <>
          <p className="field-ok">
            The endpoint answered in {s.result.ms} ms
            {s.result.models.length === 0
              ? ', but lists no model.'
              : ` and lists ${s.result.models.length === 1 ? 'one model' : `${s.result.models.length} models`}.`}
            {/* Which model requests will name: the one set, or the first the server lists. */}
            {(props.current || s.result.models[0]) &&
              ` Solon will use “${props.current || s.result.models[0]}”.`}
          </p>
          {s.result.models.length > 0 && (
            <ul className="models" aria-label="Models on the server">
              {s.result.models.map((m) => (
                <li key={m}>
                  <button
                    type="button"
                    aria-pressed={props.current === m}
                    title="Use this model"
                    onClick={() => props.onPick(m)}
                  >
                    {m}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

/** Write-only: the key goes to the keychain and is never shown again; empty forgets it. */
function ApiKey({ saved }: { saved: LlmSettings }) {
  const id = useId();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | undefined>();
  const [unsupported, setUnsupported] = useState(false);
  const [source, setSource] = useState(saved.apiKey);
  const forgetting = key === '';
  // Forgetting only means something for a key this window saved (one in the keychain).
  const canForget = source !== undefined && 'keychain' in source;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setNote(undefined);
    try {
      await window.solon.llm.setApiKey({ apiKey: key });
      setKey('');
      setNote({ ok: true, text: forgetting ? 'The key is forgotten.' : 'The key is saved.' });
      // Where the key comes from may have changed (the keychain now, or none).
      window.solon.settings.get().then(
        (s) => setSource(s.llm.apiKey),
        () => undefined, // the old words stay; the key itself was saved
      );
    } catch (err) {
      if (isUnsupported(err)) setUnsupported(true);
      else setNote({ ok: false, text: `Not saved: ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="setting-form api-key" onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={`${id}-key`}>API key</label>
        <div className="field-input">
          <input
            id={`${id}-key`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            placeholder="Type a new key to replace the saved one"
            aria-describedby={`${id}-source`}
            onChange={(e) => {
              setKey(e.target.value);
              setNote(undefined);
            }}
          />
          <button type="submit" disabled={busy || unsupported || (forgetting && !canForget)}>
            {forgetting ? 'Forget key' : 'Save key'}
          </button>
        </div>
        <p id={`${id}-source`} className="setting-hint">
          {apiKeySource(source)} A key typed here is kept in the keychain and never shown again.
        </p>
        <div aria-live="polite">
          {unsupported && (
            <NotHere>Keys cannot be saved here; they can in the desktop app.</NotHere>
          )}
          {note && <p className={note.ok ? 'field-ok' : 'field-error'}>{note.text}</p>}
        </div>
      </div>
    </form>
  );
}
