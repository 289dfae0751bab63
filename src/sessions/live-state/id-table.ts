// A hash table from 128-bit ids (UUIDs) to dense slot numbers, in typed arrays: no object, string
// or Map entry per id, so a million entries cost a few tens of megabytes and nothing for the
// garbage collector to walk. Open addressing with linear probing; deletion shifts the following
// entries back, so no tombstone markers accumulate. When full, the entry inserted first is evicted
// (a ring of slots in insertion order). Columns for each slot are kept by the owner, who grows them
// when `onGrow` says so.

const EMPTY = 0;

/** The value of a lower-case hex digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Writes the four 32-bit words of a lower-case UUID into `into`; false when `id` is not one. Read
 * character by character: this runs on every heartbeat.
 */
export function idWords(id: string, into: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const code = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false;
      continue;
    }
    const value = hexValue(code);
    if (value < 0) return false;
    word = (word << 4) | value;
    if (++digits % 8 === 0) into[digits / 8 - 1] = word >>> 0;
  }
  return true;
}

function hashWords(w: Uint32Array, offset: number): number {
  // UUID v7 starts with a timestamp: mix every word so neighbours in time do not cluster.
  let h = Math.imul(w[offset] ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ w[offset + 1] ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ w[offset + 2] ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ w[offset + 3] ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

export interface IdTableOptions {
  /** The most entries held; past it the oldest is evicted. */
  maxEntries: number;
  /** Slots allocated at first (grown by doubling up to maxEntries). */
  initialCapacity?: number;
  /** Called with the new slot capacity when it grows: the owner grows its columns to match. */
  onGrow?(capacity: number): void;
  /** Called before a slot is reused or dropped, so the owner can release what the slot refers to. */
  onRelease?(slot: number): void;
}

export class IdTable {
  private ids: Uint32Array;
  /** Slot + 1 per bucket; EMPTY when the bucket is free. */
  private buckets: Int32Array;
  private mask: number;
  /** Slots in insertion order (a ring), for eviction. */
  private order: Int32Array;
  private orderHead = 0;
  private orderLength = 0;
  /** Where each slot sits in `order` (-1 once removed), so removal can skip it later. */
  private orderPosition: Int32Array;
  private free: number[] = [];
  private used = 0;
  private capacityValue: number;
  private readonly scratch = new Uint32Array(4);

  constructor(private readonly options: IdTableOptions) {
    this.capacityValue = Math.min(options.maxEntries, options.initialCapacity ?? 65_536);
    this.ids = new Uint32Array(this.capacityValue * 4);
    this.order = new Int32Array(this.capacityValue);
    this.orderPosition = new Int32Array(this.capacityValue).fill(-1);
    const size = bucketCount(this.capacityValue);
    this.buckets = new Int32Array(size);
    this.mask = size - 1;
    for (let slot = this.capacityValue - 1; slot >= 0; slot--) this.free.push(slot);
  }

  get size(): number {
    return this.used;
  }

  get capacity(): number {
    return this.capacityValue;
  }

  /** The slot holding `id`, or -1. */
  find(id: string): number {
    if (!idWords(id, this.scratch)) return -1;
    return this.findWords(this.scratch);
  }

  /** The slot for `id`, inserted (evicting the oldest entry when full) if absent; -1 for a malformed id. */
  insert(id: string): number {
    if (!idWords(id, this.scratch)) return -1;
    const existing = this.findWords(this.scratch);
    if (existing >= 0) return existing;
    if (this.free.length === 0) {
      if (this.capacityValue < this.options.maxEntries) this.grow();
      else this.evictOldest();
    }
    const slot = this.free.pop() as number;
    this.ids.set(this.scratch, slot * 4);
    let bucket = hashWords(this.scratch, 0) & this.mask;
    while (this.buckets[bucket] !== EMPTY) bucket = (bucket + 1) & this.mask;
    this.buckets[bucket] = slot + 1;
    this.pushOrder(slot);
    this.used++;
    return slot;
  }

  /** Drops the entry in `slot`. */
  remove(slot: number): void {
    let bucket = hashWords(this.ids, slot * 4) & this.mask;
    while (this.buckets[bucket] !== slot + 1) {
      if (this.buckets[bucket] === EMPTY) return;
      bucket = (bucket + 1) & this.mask;
    }
    this.options.onRelease?.(slot);
    this.deleteBucket(bucket);
    this.orderPosition[slot] = -1;
    this.free.push(slot);
    this.used--;
  }

  /** Every id as a string, for a slot (tests and diagnostics). */
  idOf(slot: number): string {
    const hex = Array.from(this.ids.subarray(slot * 4, slot * 4 + 4), (w) => w.toString(16).padStart(8, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  clear(): void {
    for (let slot = 0; slot < this.capacityValue; slot++) if (this.orderPosition[slot] >= 0) this.options.onRelease?.(slot);
    this.buckets.fill(EMPTY);
    this.orderPosition.fill(-1);
    this.orderHead = 0;
    this.orderLength = 0;
    this.used = 0;
    this.free = [];
    for (let slot = this.capacityValue - 1; slot >= 0; slot--) this.free.push(slot);
  }

  private findWords(words: Uint32Array): number {
    let bucket = hashWords(words, 0) & this.mask;
    for (;;) {
      const entry = this.buckets[bucket];
      if (entry === EMPTY) return -1;
      const base = (entry - 1) * 4;
      if (
        this.ids[base] === words[0] &&
        this.ids[base + 1] === words[1] &&
        this.ids[base + 2] === words[2] &&
        this.ids[base + 3] === words[3]
      )
        return entry - 1;
      bucket = (bucket + 1) & this.mask;
    }
  }

  /** Backward-shift deletion: entries after the hole that could live in it move back. */
  private deleteBucket(hole: number): void {
    let next = (hole + 1) & this.mask;
    while (this.buckets[next] !== EMPTY) {
      const home = hashWords(this.ids, (this.buckets[next] - 1) * 4) & this.mask;
      // Move `next` into the hole unless its home lies cyclically in (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        this.buckets[hole] = this.buckets[next];
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    this.buckets[hole] = EMPTY;
  }

  private pushOrder(slot: number): void {
    // Removed entries leave stale places in the ring; when it is full of them, lay it out again.
    if (this.orderLength === this.capacityValue) this.layOutOrder(this.capacityValue);
    const position = (this.orderHead + this.orderLength) % this.order.length;
    this.order[position] = slot;
    this.orderPosition[slot] = position;
    this.orderLength++;
  }

  /** The ring again from position 0, oldest first, without the places of removed entries. */
  private layOutOrder(capacity: number): void {
    const order = new Int32Array(capacity);
    const orderPosition = new Int32Array(capacity).fill(-1);
    let length = 0;
    for (let i = 0; i < this.orderLength; i++) {
      const position = (this.orderHead + i) % this.order.length;
      const slot = this.order[position];
      if (this.orderPosition[slot] !== position) continue;
      order[length] = slot;
      orderPosition[slot] = length++;
    }
    this.order = order;
    this.orderPosition = orderPosition;
    this.orderHead = 0;
    this.orderLength = length;
  }

  private evictOldest(): void {
    while (this.orderLength > 0) {
      const slot = this.order[this.orderHead];
      const current = this.orderPosition[slot] === this.orderHead;
      this.orderHead = (this.orderHead + 1) % this.order.length;
      this.orderLength--;
      if (current) {
        this.remove(slot);
        return;
      }
    }
  }

  private grow(): void {
    const oldCapacity = this.capacityValue;
    const capacity = Math.min(this.options.maxEntries, oldCapacity * 2);
    const ids = new Uint32Array(capacity * 4);
    ids.set(this.ids);
    this.ids = ids;
    this.layOutOrder(capacity);
    const size = bucketCount(capacity);
    this.buckets = new Int32Array(size);
    this.mask = size - 1;
    for (let slot = 0; slot < oldCapacity; slot++) {
      if (this.orderPosition[slot] < 0) continue;
      let bucket = hashWords(this.ids, slot * 4) & this.mask;
      while (this.buckets[bucket] !== EMPTY) bucket = (bucket + 1) & this.mask;
      this.buckets[bucket] = slot + 1;
    }
    for (let slot = capacity - 1; slot >= oldCapacity; slot--) this.free.push(slot);
    this.capacityValue = capacity;
    this.options.onGrow?.(capacity);
  }
}

/** A power of two with room for `capacity` entries at a load of at most 0.7. */
function bucketCount(capacity: number): number {
  let size = 16;
  while (size * 0.7 < capacity) size *= 2;
  return size;
}
