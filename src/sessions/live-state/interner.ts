// Strings many sessions share (user ids, addresses, User-Agents), kept once each and referred to
// by number, with a count of the slots using each so that an unused one can go.

export class Interner {
  private readonly indexOf = new Map<string, number>();
  private strings: Array<string | null> = [null];
  private counts = new Uint32Array(1024);
  private free: number[] = [];

  /** How many distinct strings are held. */
  get size(): number {
    return this.indexOf.size;
  }

  /** The number for `value` (0 for null), counted once more. */
  acquire(value: string | null): number {
    if (value === null) return 0;
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.free.pop() ?? this.strings.length;
      if (index === this.strings.length) this.strings.push(value);
      else this.strings[index] = value;
      if (index >= this.counts.length) {
        const counts = new Uint32Array(this.counts.length * 2);
        counts.set(this.counts);
        this.counts = counts;
      }
      this.indexOf.set(value, index);
    }
    this.counts[index]++;
    return index;
  }

  /** One use of `index` fewer; the string goes with its last use. */
  release(index: number): void {
    if (index === 0 || --this.counts[index] > 0) return;
    this.indexOf.delete(this.strings[index] as string);
    this.strings[index] = null;
    this.free.push(index);
  }

  get(index: number): string | null {
    return this.strings[index];
  }
}
