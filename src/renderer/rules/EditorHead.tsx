import type { RefObject } from 'react';

/**
 * The top of the rule and category editors: back to the list (asking first when there are
 * unsaved changes), the title the focus lands on, and a save error that belongs to no field.
 */
export function EditorHead(props: {
  /** "rules" or "categories": the list the back button returns to. */
  list: string;
  /** "rule" or "category". */
  what: string;
  title: string;
  heading: RefObject<HTMLHeadingElement | null>;
  dirty: boolean;
  leaving: boolean;
  setLeaving: (leaving: boolean) => void;
  onClose: () => void;
  banner: string | undefined;
}) {
  const { dirty, leaving, setLeaving, onClose, banner } = props;
  return (
    <>
      <div className="editor-head">
        <button type="button" onClick={() => (dirty ? setLeaving(true) : onClose())}>
          ← All {props.list}
        </button>
        <h2 ref={props.heading} tabIndex={-1}>
          {props.title}
        </h2>
      </div>
      {leaving && (
        <div className="confirm" role="alertdialog" aria-label="Unsaved changes">
          <p>This {props.what} has changes that are not saved.</p>
          <div className="buttons">
            <button type="button" onClick={onClose}>
              Discard changes
            </button>
            <button type="button" className="primary" onClick={() => setLeaving(false)}>
              Keep editing
            </button>
          </div>
        </div>
      )}
      {banner && (
        <p role="alert" className="banner error">
          {banner}
        </p>
      )}
    </>
  );
}
