import type { AccountStatus, ClassifierHealth } from '../../shared/domain/status';

/** Small decisions of the Status view's account cards, kept pure so they are tested alone. */

/** A paused account offers Resume instead of Pause (asleep counts too: resume wakes it). */
export function isPaused(a: Pick<AccountStatus, 'state'>): boolean {
  return a.state === 'suspended';
}

/** "in 12 s", "in 3 min", or "now" once the time has come. */
export function retryIn(at: number, now: number): string {
  const s = Math.round((at - now) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} h`;
}

/**
 * The classifier's health as its own line, calmer than a connection problem: a dead model
 * leaves mail to the rules, it does not make the account look broken. Nothing when it is fine
 * or not configured.
 */
export function classifierLine(
  c: ClassifierHealth | undefined,
): { tone: 'calm'; text: string } | undefined {
  if (c?.state !== 'degraded') return undefined;
  const why = c.reason?.trim();
  return {
    tone: 'calm',
    text: `Classifier degraded${why ? `: ${why}` : ''}. Mail is sorted by rules alone meanwhile.`,
  };
}
