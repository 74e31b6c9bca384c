import { useEffect, useId, useRef } from 'react';
import type { Account } from '../../shared/domain/account';

/**
 * "Remove this account?" as a modal <dialog>: the browser keeps focus inside it, Escape
 * cancels, and focus returns to what opened it when it closes. Cancel has focus first, so a
 * stray Enter removes nothing.
 */
export function RemoveDialog(props: {
  account: Account;
  busy: boolean;
  error?: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const uid = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const a = props.account;
  return (
    <dialog
      ref={ref}
      className="acct-remove-dialog"
      aria-labelledby={`${uid}-title`}
      aria-describedby={`${uid}-body`}
      onCancel={(e) => {
        e.preventDefault(); // the parent unmounts it, which closes it
        if (!props.busy) props.onCancel();
      }}
    >
      <h2 id={`${uid}-title`}>Remove the account “{a.id}”?</h2>
      <p id={`${uid}-body`}>
        Solon stops watching {a.user} on {a.host}. Nothing changes on the server: your mail stays
        where it is, and your rules are kept.
      </p>
      {props.error !== undefined && (
        <p role="alert" className="field-error">
          {props.error}
        </p>
      )}
      <div className="acct-form-actions">
        <button type="button" autoFocus disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="acct-danger"
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          Remove account
        </button>
      </div>
    </dialog>
  );
}
