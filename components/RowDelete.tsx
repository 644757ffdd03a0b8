// A table row's delete action: "Delete" asks first, in place, and offers to keep the row. Other
// actions of the row (Edit, View captures) come as children and hide while the question is asked.
import type { ReactNode } from 'react';

export interface RowDeleteProps {
  /** The row's name as people read it (an id, a period's name): in labels and the confirm button. */
  name: string;
  asking: boolean;
  onAsk(): void;
  onKeep(): void;
  onDelete(): void;
  /** The question, e.g. "Delete? Captures stay." */
  question?: string;
  /** The confirm button's text; defaults to "Delete <name>". */
  confirmLabel?: string;
  children?: ReactNode;
}

export function RowDelete({ name, asking, onAsk, onKeep, onDelete, question = 'Delete?', confirmLabel, children }: RowDeleteProps) {
  if (asking) {
    return (
      <span className="confirm" role="group" aria-label={`Confirm deleting ${name}`}>
        <span>{question}</span>
        <button type="button" className="button button-small button-danger-solid" onClick={onDelete}>
          {confirmLabel ?? `Delete ${name}`}
        </button>
        <button type="button" className="button button-small button-ghost" onClick={onKeep}>
          Keep
        </button>
      </span>
    );
  }
  return (
    <>
      {children}
      <button type="button" className="button button-small button-ghost button-danger" aria-label={`Delete ${name}`} onClick={onAsk}>
        Delete
      </button>
    </>
  );
}
