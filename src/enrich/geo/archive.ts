import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Parser } from 'tar';

/**
 * Writes the one `<edition>.mmdb` member of a MaxMind tar.gz archive (laid out as
 * `<edition>_<YYYYMMDD>/<edition>.mmdb` beside the licence files) to `destination`, which must
 * not exist. Rejects with a short reason when the archive is not gzip, is cut short, has a bad
 * tar header, or does not hold exactly one such file of at most `maxBytes`.
 */
export async function extractMmdb(archive: string, edition: string, destination: string, maxBytes: number): Promise<void> {
  const handle = await open(archive, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) throw new Error('the archive is not gzip-compressed');
  } finally {
    await handle.close();
  }
  const wanted = `${edition}.mmdb`;
  let found = 0;
  let tooLarge = false;
  const writes: Array<Promise<void>> = [];
  const parser = new Parser({
    strict: true,
    onReadEntry(entry) {
      if (entry.type !== 'File' || basename(entry.path) !== wanted) {
        entry.resume();
        return;
      }
      found += 1;
      if (found > 1 || entry.size > maxBytes) {
        tooLarge ||= entry.size > maxBytes;
        entry.resume();
        return;
      }
      const out = createWriteStream(destination, { flags: 'wx' });
      writes.push(
        new Promise<void>((resolve, reject) => {
          out.on('close', resolve);
          out.on('error', reject);
        }),
      );
      entry.pipe(out);
    },
  });
  try {
    await pipeline(createReadStream(archive), parser);
  } catch (error) {
    throw new Error(`the archive is damaged (${describe(error)})`);
  }
  await Promise.all(writes);
  if (tooLarge) throw new Error(`${wanted} in the archive is larger than ${maxBytes} bytes`);
  if (found === 0) throw new Error(`the archive holds no ${wanted}`);
  if (found > 1) throw new Error(`the archive holds ${found} files named ${wanted}`);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^(TAR_[A-Z_]+: )/, '')
    .split('\n', 1)[0]
    .slice(0, 200);
}
