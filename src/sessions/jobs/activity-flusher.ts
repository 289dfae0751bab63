import type { ActivityBuffer } from '../live-state/activity-buffer.js';

/** Writes buffered activity every `intervalMs` until the returned function is called. */
export function startActivityFlusher(activity: ActivityBuffer, intervalMs: number): () => void {
  const timer = setInterval(() => void activity.flush(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
