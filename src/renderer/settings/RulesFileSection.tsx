import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import type { Category, Rule } from '../../shared/domain/rule';
import type { AppSettings } from '../../shared/domain/settings';
import { errorText } from '../format';
import { isUnsupported, NotHere } from './controls';
import { countOf, importQuestion } from './import-question';

interface Pending {
  path: string;
  rules: Rule[];
  categories: Category[];
  question: string;
}

type Note = { tone: 'ok' | 'error' | 'calm'; text: string };

/**
 * Export the rules and categories to a JSON file, or replace them with a file's. Import reads
 * and checks the file first (rules.import saves nothing) and asks before replacing anything.
 */
export function RulesFileSection(props: {
  save: (patch: { rules: Rule[]; categories: Category[] }) => Promise<AppSettings>;
}) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<Note | undefined>();
  const [pending, setPending] = useState<Pending | undefined>();
  const importButton = useRef<HTMLButtonElement>(null);

  // Export and Import ignore a second press while busy instead of being disabled: a disabled
  // button would drop the keyboard focus (and Import's dialog gives it back to its button).
  async function doExport() {
    if (busy) return;
    setBusy(true);
    setNote(undefined);
    try {
      const { path } = await window.solon.rules.export();
      if (path) setNote({ tone: 'ok', text: `Saved to ${path}` });
    } catch (e) {
      setNote(
        isUnsupported(e)
          ? { tone: 'calm', text: 'Exporting is not available here; it works in the desktop app.' }
          : { tone: 'error', text: `Not exported: ${errorText(e)}` },
      );
    } finally {
      setBusy(false);
    }
  }

  async function doImport() {
    if (busy) return;
    setBusy(true);
    setNote(undefined);
    try {
      const file = await window.solon.rules.import();
      if (file.path === undefined) return; // the user cancelled the dialog
      const now = await window.solon.settings.get();
      setPending({
        path: file.path,
        rules: file.rules,
        categories: file.categories,
        question: importQuestion(
          { rules: now.rules.length, categories: now.categories.length },
          { rules: file.rules.length, categories: file.categories.length },
          file.path,
        ),
      });
    } catch (e) {
      setNote(
        isUnsupported(e)
          ? { tone: 'calm', text: 'Importing is not available here; it works in the desktop app.' }
          : { tone: 'error', text: `Nothing was imported. ${errorText(e)}` },
      );
    } finally {
      setBusy(false);
    }
  }

  async function replace(p: Pending) {
    setBusy(true);
    try {
      await props.save({ rules: p.rules, categories: p.categories });
      setNote({
        tone: 'ok',
        text: `Imported ${countOf(p.rules.length, 'rule', 'rules')} and ${countOf(
          p.categories.length,
          'category',
          'categories',
        )}.`,
      });
    } catch (e) {
      setNote({ tone: 'error', text: `Nothing was imported. ${errorText(e)}` });
    } finally {
      setPending(undefined);
      setBusy(false);
    }
  }

  return (
    <section className="settings-group" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Rules file</h2>
      <div className="panel">
        <div className="setting-row">
          <div className="setting-text">
            <p className="setting-label">Rules and categories as a JSON file</p>
            <p className="setting-hint">
              Keep a copy, move them to another computer, or share them. Importing replaces the
              rules and categories you have now, after asking.
            </p>
          </div>
          <div className="row-actions">
            <button type="button" aria-busy={busy} onClick={() => void doExport()}>
              Export…
            </button>
            <button
              type="button"
              ref={importButton}
              aria-busy={busy}
              onClick={() => void doImport()}
            >
              Import…
            </button>
          </div>
        </div>
        <div aria-live="polite" className="rules-file-note">
          {note?.tone === 'calm' && <NotHere>{note.text}</NotHere>}
          {note?.tone === 'ok' && (
            <p className="field-ok" data-testid="rules-file-note">
              {note.text}
            </p>
          )}
        </div>
        {note?.tone === 'error' && (
          <p role="alert" className="field-error" data-testid="rules-file-error">
            {note.text}
          </p>
        )}
      </div>
      {pending && (
        <ConfirmReplace
          question={pending.question}
          busy={busy}
          returnFocus={importButton}
          onReplace={() => void replace(pending)}
          onCancel={() => setPending(undefined)}
        />
      )}
    </section>
  );
}

/** A modal question: Escape or Cancel keeps everything; Cancel has the focus (the safe choice). */
function ConfirmReplace(props: {
  question: string;
  busy: boolean;
  /** Where focus goes back to when the dialog closes. */
  returnFocus: RefObject<HTMLElement | null>;
  onReplace: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  // The latest handler, without reopening the dialog each time the parent renders.
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const back = props.returnFocus;
    d.showModal();
    cancel.current?.focus();
    const onClose = (): void => onCancel.current();
    d.addEventListener('cancel', onClose);
    return () => {
      d.removeEventListener('cancel', onClose);
      if (d.open) d.close();
      back.current?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
    >
      <h2 id={`${id}-title`}>Import rules</h2>
      <p id={`${id}-text`}>{props.question}</p>
      <div className="form-actions">
        <span className="spacer" />
        <button type="button" ref={cancel} disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={props.busy} onClick={props.onReplace}>
          Replace
        </button>
      </div>
    </dialog>
  );
}
