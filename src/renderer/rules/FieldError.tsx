import type { FieldErrors } from './draft';

/** The id a control points aria-describedby at, when one of its keys has an error. */
export function describedBy(
  errors: FieldErrors,
  keys: readonly string[],
  id: string,
): string | undefined {
  return keys.some((k) => errors[k] !== undefined) ? `${id}-err` : undefined;
}

/**
 * The message under a field (or a row of fields), nothing when all is well. Errors come from a
 * debounced check, so one appears after a pause in typing rather than flickering per key.
 */
export function FieldError(props: { errors: FieldErrors; keys: readonly string[]; id: string }) {
  const messages = props.keys.flatMap((k) => {
    const m = props.errors[k];
    return m === undefined ? [] : [m];
  });
  if (messages.length === 0) return null;
  return (
    <p id={`${props.id}-err`} className="field-error" data-testid="field-error">
      {messages.join('; ')}
    </p>
  );
}
