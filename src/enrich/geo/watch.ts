import { unwatchFile, watch, watchFile } from 'node:fs';
import type { FSWatcher, StatsListener } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

// Polling interval when the directory cannot be watched (it does not exist yet, or the platform
// or file system has no change notifications, e.g. some network mounts).
const POLL_INTERVAL_MS = 5_000;

/**
 * Identity of the file currently at `path` (following symlinks): device, inode, size and mtime.
 * Comparing signatures tells "replaced or rewritten" from "another file in the directory changed".
 */
export async function fileSignature(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}

/**
 * Calls `onChange` (debounced) after the file at `path` may have changed. The parent directory is
 * watched rather than the file: database updaters (geoipupdate, Kubernetes volume swaps) replace
 * the file by renaming over it, and a watch on the old inode would never fire again. Every event
 * in the directory is passed on; the caller compares fileSignature to skip unrelated ones.
 * Returns a function that stops watching. Watchers never keep the process alive.
 */
export function watchFileChanges(path: string, debounceMs: number, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };

  let watcher: FSWatcher | null = null;
  let polling = false;
  const poll: StatsListener = () => schedule();
  const startPolling = (): void => {
    if (polling || stopped) return;
    polling = true;
    watchFile(path, { persistent: false, interval: POLL_INTERVAL_MS }, poll);
  };

  try {
    watcher = watch(dirname(path), { persistent: false }, schedule);
    // The directory itself went away (unmounted, deleted): fall back to polling the path.
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
      startPolling();
      schedule();
    });
  } catch {
    startPolling();
  }

  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher?.close();
    if (polling) unwatchFile(path, poll);
  };
}
