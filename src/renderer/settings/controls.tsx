import { useId, useState, type ReactNode } from 'react';
import { ErrorCode, isSolonError } from '../../shared/contract';
import { errorText } from '../format';

/** True when a call failed because this build or place cannot do it (no file manager, no model). */
export function isUnsupported(e: unknown): boolean {
  return isSolonError(e) && e.code === ErrorCode.UNSUPPORTED;
}

/**
 * One on/off setting that saves the moment it is flipped, as a native settings window does.
 * The switch shows the new position at once; if saving fails it goes back and says why.
 */
export function Toggle(props: {
  label: string;
  hint?: ReactNode;
  checked: boolean;
  disabled?: boolean;
  onSave: (value: boolean) => Promise<unknown>;
}) {
  const id = useId();
  const [pending, setPending] = useState<boolean | undefined>();
  const [error, setError] = useState<string | undefined>();
  const checked = pending ?? props.checked;

  async function flip(value: boolean) {
    setPending(value);
    setError(undefined);
    try {
      await props.onSave(value);
    } catch (e) {
      setError(`Not saved: ${errorText(e)}`);
    } finally {
      setPending(undefined);
    }
  }

  const described = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="setting-row">
      <div className="setting-text">
        <label htmlFor={id}>{props.label}</label>
        {props.hint && (
          <p id={`${id}-hint`} className="setting-hint">
            {props.hint}
          </p>
        )}
        {error && (
          <p id={`${id}-error`} role="alert" className="field-error">
            {error}
          </p>
        )}
      </div>
      <input
        id={id}
        type="checkbox"
        role="switch"
        className="switch"
        checked={checked}
        disabled={props.disabled}
        aria-describedby={described || undefined}
        onChange={(e) => void flip(e.target.checked)}
      />
    </div>
  );
}

/** A calm line for something this place cannot do (not an error: nothing went wrong). */
export function NotHere({ children }: { children: ReactNode }) {
  return <p className="setting-note">{children}</p>;
}
