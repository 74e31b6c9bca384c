/**
 * Reconnect delays: "full jitter" (delay drawn uniformly from [0, min(cap, base·2^n)]).
 * Why jitter: after a server restart or a Wi-Fi change every client reconnects at once; spreading
 * them avoids a thundering herd that would get us throttled. Why the first retry is immediate:
 * most drops (RST, IDLE cut by a middlebox) are one-off and the server is fine.
 */
export interface BackoffPolicy {
  /** Upper bound of the first non-immediate delay. */
  baseMs: number;
  /** No delay exceeds this, except a floor the caller asks for (minMs: a server throttle). */
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before reconnect attempt number `attempt` (0 = the first retry after a drop).
 * `random` is injectable so tests are deterministic.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
  minMs = 0,
): number {
  if (attempt <= 0 && minMs <= 0) return 0;
  const ceiling = Math.min(
    policy.capMs,
    policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30),
  );
  const jittered = Math.floor(random() * ceiling);
  return Math.max(minMs, jittered);
}
