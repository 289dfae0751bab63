import { cpSync, existsSync, lstatSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';

// Run as root, the embedded PostgreSQL runs as the system's postgres user, which must be able to
// reach both its binaries and its data directory. A checkout in a folder only its owner may enter
// (root's home is drwx------) hides both from it.

export interface Owner {
  uid: number;
  gid: number;
}

/** The closest folder at or above `dir` that `owner` may not pass through, or null when every one is open to it. */
export function closedAncestor(dir: string, owner: Owner): string | null {
  let current = dir;
  while (!existsSync(current)) current = path.dirname(current);
  for (;;) {
    const stat = statSync(current);
    if (stat.uid !== owner.uid && (stat.mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return null;
    current = path.dirname(current);
  }
}

/**
 * Binaries `owner` can run: the package's own when it can reach them, otherwise a copy of the
 * package's native folder (binaries, libraries, shared data) under the system temporary folder,
 * made once per package version and reused while it is still owned by this user and closed to
 * writes by others.
 */
export function reachableBinaries<T extends Record<string, string>>(binaries: T, nativeDir: string, owner: Owner, logger: Logger): T {
  const closed = closedAncestor(nativeDir, owner);
  if (closed === null) return binaries;
  const key = createHash('sha256')
    .update(nativeDir)
    .update(String(statSync(nativeDir).mtimeMs))
    .digest('hex')
    .slice(0, 16);
  const copy = path.join(tmpdir(), `session-registry-pg-bin-${key}`);
  if (!usableCopy(copy)) {
    rmSync(copy, { recursive: true, force: true });
    const partial = `${copy}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    renameSync(partial, copy);
    logger.warn({ closed, copy }, 'the embedded PostgreSQL binaries are not reachable by the postgres user; running a copy');
  }
  const relocated: Record<string, string> = {};
  for (const [name, file] of Object.entries(binaries)) relocated[name] = path.join(copy, path.relative(nativeDir, file));
  return relocated as T;
}

function usableCopy(dir: string): boolean {
  if (!existsSync(dir)) return false;
  const stat = lstatSync(dir);
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}
