/** Small display helpers shared by the views. */

export function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'message' in e) {
    const m = e.message;
    if (typeof m === 'string') return m;
  }
  return String(e);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The time for today's entries, the date for older ones (the full stamp goes in a tooltip). */
export function formatShortTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  if (d.toDateString() === new Date(now).toDateString())
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** "5 s ago", "3 min ago"; falls back to the time for anything older than a day. */
export function formatSince(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(ms);
}
