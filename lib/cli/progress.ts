/** Text progress: a bar and an ETA, for commands that redraw a line on a terminal. */

/** A 20-cell text bar for a fraction in [0, 1]. */
export function bar(f: number): string {
  const n = Math.round(Math.min(1, Math.max(0, f)) * 20);
  return `[${'#'.repeat(n)}${'.'.repeat(20 - n)}]`;
}

/** Seconds as h:mm:ss or m:ss. */
export function formatEta(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
