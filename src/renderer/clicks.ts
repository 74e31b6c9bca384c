import type { MouseEvent } from 'react';

/**
 * An onClick for list buttons that act once per click: the second click of a double click
 * (detail 2) is ignored, because the first one moved the rows and it lands on the next row's
 * button (a double-clicked Delete deleted two rules). Keyboard activation (detail 0) acts.
 */
export function firstClick(act: () => void): (e: MouseEvent) => void {
  return (e) => {
    if (e.detail < 2) act();
  };
}
