import t from 'tap';
import { randomUUID } from 'node:crypto';
import { IdTable } from '../../src/sessions/live-state/id-table.js';

t.test('ids map to slots; removal keeps every other id findable; the table grows as needed', async (t) => {
  const released: number[] = [];
  const table = new IdTable({ maxEntries: 10_000, initialCapacity: 16, onRelease: (slot) => released.push(slot) });
  const ids = Array.from({ length: 5000 }, () => randomUUID());
  const slots = new Map(ids.map((id) => [id, table.insert(id)]));
  t.equal(table.size, 5000);
  t.ok(table.capacity >= 5000, 'grown from 16');
  t.ok(
    ids.every((id) => table.find(id) === slots.get(id)),
    'every id at its slot',
  );
  t.equal(table.insert(ids[7]), slots.get(ids[7]), 'inserting a held id returns its slot');
  for (let i = 0; i < 5000; i += 3) table.remove(slots.get(ids[i]) as number);
  t.equal(released.length, Math.ceil(5000 / 3));
  t.ok(
    ids.every((id, i) => (i % 3 === 0 ? table.find(id) === -1 : table.find(id) === slots.get(id))),
    'after removals the rest are still found',
  );
  t.equal(table.find('not-a-uuid'), -1);
  t.equal(table.insert('NOT-A-UUID'), -1, 'only canonical ids are held');
  t.equal(table.idOf(slots.get(ids[1]) as number), ids[1]);
});

t.test('when full, the entry inserted first is evicted, skipping removed ones', async (t) => {
  const table = new IdTable({ maxEntries: 4, initialCapacity: 4 });
  const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => randomUUID());
  for (const id of [a, b, c, d]) table.insert(id);
  table.remove(table.find(a));
  table.insert(e);
  t.equal(table.size, 4, 'a freed slot is used first');
  t.ok(table.find(b) >= 0);
  table.insert(f);
  t.equal(table.find(b), -1, 'then the oldest present entry goes');
  t.ok([c, d, e, f].every((id) => table.find(id) >= 0));
  for (let i = 0; i < 100; i++) {
    const id = randomUUID();
    table.insert(id);
    if (i % 2) table.remove(table.find(id));
  }
  t.ok(table.size <= 4, 'many inserts and removals stay within the bound');
});
