import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAsnTable, decodeAsnTable, type AsnTable } from './asn-table.js';

export interface AsnTableSource {
  /** Package version of the CSV lists: a cached table is used only when it was built from them. */
  version: string;
  ipv4Csv: string;
  ipv6Csv: string;
}

interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export function asnCachePath(dir: string, version: string): string {
  return join(dir, `asn-${version.replace(/[^0-9A-Za-z.-]/g, '_')}.table`);
}

/**
 * The table built from `source`, read from `dir` when a table of that version was cached there,
 * otherwise built (seconds of CPU) and cached for the next start. A cache that cannot be written
 * (read-only file system) only costs the build on every start.
 */
export async function loadAsnTable(dir: string, source: AsnTableSource, logger: Logger): Promise<AsnTable> {
  const path = asnCachePath(dir, source.version);
  try {
    return decodeAsnTable(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      logger.warn({ path, reason: (error as Error).message }, 'ASN table cache unreadable; rebuilding it');
  }
  const started = performance.now();
  const table = buildAsnTable(source.ipv4Csv, source.ipv6Csv);
  const buildMs = Math.round(performance.now() - started);
  try {
    await writeAtomically(path, table.bytes);
    await removeOtherVersions(dir, path);
    logger.info({ path, buildMs, bytes: table.bytes.length, ...table.counts }, 'ASN table built and cached');
  } catch (error) {
    logger.warn(
      { path, buildMs, reason: (error as Error).message },
      'ASN table built but not cached; it will be built again at the next start',
    );
  }
  return table;
}

/** Written beside the target and renamed over it, so a reader never sees half a file. */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function removeOtherVersions(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (path !== keep && /^asn-.+\.table$/.test(name)) await rm(path, { force: true });
  }
}
