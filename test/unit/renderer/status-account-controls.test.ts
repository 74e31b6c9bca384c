import { describe, expect, it } from 'vitest';
import {
  classifierLine,
  isPaused,
  retryIn,
} from '../../../src/renderer/status/account-controls.js';

describe('status account controls', () => {
  it('offers Resume only for a paused account', () => {
    expect(isPaused({ state: 'suspended' })).toBe(true);
    for (const state of ['watching', 'backing-off', 'auth-failed', 'stopped'] as const)
      expect(isPaused({ state })).toBe(false);
  });

  it('says when the next retry is', () => {
    expect(retryIn(10_000, 10_000)).toBe('now');
    expect(retryIn(9_000, 10_000)).toBe('now');
    expect(retryIn(22_000, 10_000)).toBe('in 12 s');
    expect(retryIn(10_000 + 180_000, 10_000)).toBe('in 3 min');
    expect(retryIn(10_000 + 7_200_000, 10_000)).toBe('in 2 h');
  });

  it('shows a degraded classifier as its own calm line, and nothing otherwise', () => {
    expect(classifierLine(undefined)).toBeUndefined();
    expect(classifierLine({ state: 'ok', since: 1 })).toBeUndefined();
    expect(classifierLine({ state: 'off', since: 1 })).toBeUndefined();
    expect(classifierLine({ state: 'degraded', reason: 'timed out after 60 s', since: 1 })).toEqual(
      {
        tone: 'calm',
        text: 'Classifier degraded: timed out after 60 s. Mail is sorted by rules alone meanwhile.',
      },
    );
    expect(classifierLine({ state: 'degraded', since: 1 })?.text).toBe(
      'Classifier degraded. Mail is sorted by rules alone meanwhile.',
    );
  });
});
