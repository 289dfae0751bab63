import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { closedAncestor, reachableBinaries } from '../../src/db/embedded-access.js';
import { silentLogger } from '../helper.js';

// Run as root from a checkout inside a private folder (root's home is drwx------), the embedded
// PostgreSQL could not start: the postgres user could not reach its binaries. They are now run
// from a copy it can reach.

const postgresUser = (): { uid: number; gid: number } | null => {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
  } catch {
    return null;
  }
};

t.test(
  'binaries under a folder closed to the postgres user are run from a copy it can reach',
  { skip: userInfo().uid !== 0 || postgresUser() === null ? 'needs root and a postgres system user' : false },
  async (t) => {
    const owner = postgresUser() as { uid: number; gid: number };
    const home = mkdtempSync(path.join(tmpdir(), 'registry-private-'));
    t.teardown(() => rmSync(home, { recursive: true, force: true }));
    chmodSync(home, 0o700);
    const native = path.join(home, 'checkout', 'node_modules', 'pg', 'native');
    for (const dir of ['bin', 'lib', 'share']) mkdirSync(path.join(native, dir), { recursive: true });
    writeFileSync(path.join(native, 'bin', 'postgres'), '#!/bin/sh\necho postgres\n', { mode: 0o755 });
    writeFileSync(path.join(native, 'bin', 'initdb'), '#!/bin/sh\necho initdb\n', { mode: 0o755 });
    writeFileSync(path.join(native, 'lib', 'libpq.so.5.18'), 'library');
    symlinkSync('libpq.so.5.18', path.join(native, 'lib', 'libpq.so.5'));
    writeFileSync(path.join(native, 'share', 'postgres.bki'), 'data');
    const packaged = { postgres: path.join(native, 'bin', 'postgres'), initdb: path.join(native, 'bin', 'initdb') };

    t.equal(closedAncestor(native, owner), home, 'the private folder is what closes the way');
    const usable = reachableBinaries(packaged, native, owner, silentLogger);
    t.teardown(() => rmSync(path.dirname(path.dirname(usable.postgres)), { recursive: true, force: true }));
    t.not(usable.postgres, packaged.postgres, 'a copy is used');
    t.equal(closedAncestor(path.dirname(usable.postgres), owner), null, 'the postgres user can reach the copy');
    const copy = path.dirname(path.dirname(usable.postgres));
    t.equal(readlinkSync(path.join(copy, 'lib', 'libpq.so.5')), 'libpq.so.5.18', 'library links kept as links');
    t.equal(
      execFileSync(usable.initdb, { encoding: 'utf8', uid: owner.uid, gid: owner.gid }).trim(),
      'initdb',
      'and it runs as the postgres user',
    );
    const firstCopy = statSync(copy).ino;
    t.equal(reachableBinaries(packaged, native, owner, silentLogger).postgres, usable.postgres, 'the same copy is used next time');
    t.equal(statSync(copy).ino, firstCopy, 'without copying again');
    chmodSync(copy, 0o777);
    reachableBinaries(packaged, native, owner, silentLogger);
    t.equal(statSync(copy).mode & 0o022, 0, 'a copy others could write to is replaced, not used');

    const open = mkdtempSync(path.join(tmpdir(), 'registry-open-'));
    t.teardown(() => rmSync(open, { recursive: true, force: true }));
    chmodSync(open, 0o755);
    t.same(
      reachableBinaries({ postgres: path.join(open, 'postgres') }, open, owner, silentLogger),
      { postgres: path.join(open, 'postgres') },
      'reachable binaries are used where they are',
    );
  },
);
